using FlopsBus.Hosting;

namespace FlopsBus.Tests;

public class ImageReferenceTests
{
    [Theory]
    [InlineData("127.0.0.1:5000/flops/sample-learner:1", "127.0.0.1:5000", "flops/sample-learner", "1")]
    [InlineData("localhost/flops/x", "localhost", "flops/x", "latest")]
    [InlineData("busybox:1", "docker.io", "busybox", "1")]
    [InlineData("registry.example.com/team/app:v2.1", "registry.example.com", "team/app", "v2.1")]
    public void Parses_registry_repository_and_tag(string text, string registry, string repository, string tag)
    {
        Assert.True(ImageReference.TryParse(text, out var image));
        Assert.Equal((registry, repository, tag), (image.Registry, image.Repository, image.Tag));
    }

    [Theory]
    [InlineData("")]
    [InlineData("Upper/Case:1")]
    [InlineData("a b")]
    [InlineData("repo:tag:extra")]
    public void Refuses_what_is_not_an_image_reference(string text) => Assert.False(ImageReference.TryParse(text, out _));

    [Fact]
    public void Round_trips_with_a_registry_port() =>
        Assert.Equal("127.0.0.1:5000/a/b:2", ImageReference.TryParse("127.0.0.1:5000/a/b:2", out var i) ? i.ToString() : null);
}
