using FlopsBus.Agent;
using FlopsBus.Hosting;

namespace FlopsBus.Tests.Agent;

/// <summary>The engine's own messages, as seen from Docker 20.10 against the registry on loopback.</summary>
public class PullFailureTests
{
    private static ImageReference Image(string text) => ImageReference.TryParse(text, out var image) ? image : throw new ArgumentException(text);

    [Fact]
    public void A_missing_tag_is_not_found_and_not_retried()
    {
        var failure = PullFailure.Classify(Image("127.0.0.1:5000/flops/nope:1"),
            "manifest for 127.0.0.1:5000/flops/nope:1 not found: manifest unknown: manifest unknown");

        Assert.False(failure.Transient);
        Assert.Equal("image 127.0.0.1:5000/flops/nope:1 not found in registry 127.0.0.1:5000", failure.What);
        Assert.Equal("manifest unknown", failure.Cause);
    }

    [Fact]
    public void A_registry_nobody_listens_on_is_unreachable_and_retried()
    {
        var failure = PullFailure.Classify(Image("127.0.0.1:5999/flops/x:1"),
            "Get \"http://127.0.0.1:5999/v2/\": dial tcp 127.0.0.1:5999: connect: connection refused");

        Assert.True(failure.Transient);
        Assert.Equal("registry 127.0.0.1:5999 unreachable", failure.What);
        Assert.Equal("connection refused", failure.Cause);
    }

    [Fact]
    public void A_server_error_of_the_registry_is_retried() =>
        Assert.True(PullFailure.Classify(Image("127.0.0.1:5000/flops/x:1"),
            "received unexpected HTTP status: 503 Service Unavailable").Transient);

    [Fact]
    public void A_refused_login_names_the_credentials_and_is_not_retried()
    {
        var failure = PullFailure.Classify(Image("registry.example.com/team/x:1"),
            "Head \"https://registry.example.com/v2/team/x/manifests/1\": unauthorized: authentication required");

        Assert.False(failure.Transient);
        Assert.Contains("Agent:RegistryCredentials", failure.What);
    }

    [Fact]
    public void Anything_else_keeps_the_engine_s_words()
    {
        var failure = PullFailure.Classify(Image("127.0.0.1:5000/flops/x:1"), "write /var/lib/docker/tmp/x: no space left on device");

        Assert.False(failure.Transient);
        Assert.Equal("write /var/lib/docker/tmp/x: no space left on device", failure.Cause);
    }
}
