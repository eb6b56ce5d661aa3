using FlopsBus.Contracts;
using System.Text;
using System.Text.Json;
using FlopsBus.Planner;
using FlopsBus.Testing;

namespace FlopsBus.Tests;

public class ProjectSubmissionValidatorTests
{
    private readonly ProjectSubmissionValidator _validator = new(new PlannerOptions { MaxLearners = 10 });

    private static ProjectSubmitted Valid() => new()
    {
        ProjectId = Guid.NewGuid(), CustomerId = "c1",
        AggregatorImage = "127.0.0.1:5000/flops/sample-aggregator:1", LearnerImage = "127.0.0.1:5000/flops/sample-learner:1",
        Learners = 2, DataTags = ["mnist"],
    };

    [Fact]
    public void A_complete_submission_has_no_problem() => Assert.Null(_validator.FindProblem(Valid()));

    [Theory]
    [InlineData("projectId")]
    [InlineData("customerId")]
    [InlineData("aggregatorImage")]
    [InlineData("learnerImage")]
    [InlineData("dataTags")]
    public void A_missing_field_is_named(string field)
    {
        var message = field switch
        {
            "projectId" => Valid() with { ProjectId = Guid.Empty },
            "customerId" => Valid() with { CustomerId = null },
            "aggregatorImage" => Valid() with { AggregatorImage = null },
            "learnerImage" => Valid() with { LearnerImage = " " },
            _ => Valid() with { DataTags = [] },
        };
        Assert.StartsWith(field, _validator.FindProblem(message));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(11)]
    public void Learners_out_of_range_are_named_with_the_bounds(int learners)
    {
        var problem = _validator.FindProblem(Valid() with { Learners = learners });
        Assert.Equal($"learners must be between 1 and 10, was {learners}.", problem);
    }

    [Fact]
    public void An_image_from_a_registry_not_allowed_is_refused()
    {
        var problem = _validator.FindProblem(Valid() with { LearnerImage = "evil.example.com/x:1" });
        Assert.Contains("learnerImage", problem);
        Assert.Contains("'evil.example.com', which is not allowed", problem);
    }

    [Fact]
    public void A_malformed_image_reference_is_refused()
    {
        Assert.Contains("not a valid image reference", _validator.FindProblem(Valid() with { AggregatorImage = "UPPER CASE:!" }));
    }

    [Fact]
    public void Non_positive_resources_are_refused()
    {
        var problem = _validator.FindProblem(Valid() with
        {
            Resources = new ProjectResources { Learner = new ActorResources { CpuMillis = 0, MemoryMb = 100 } }
        });
        Assert.StartsWith("resources.learner", problem);
    }

    [Fact]
    public void A_data_tag_that_would_escape_the_data_folder_is_refused()
    {
        Assert.StartsWith("dataTags", _validator.FindProblem(Valid() with { DataTags = ["../etc"] }));
    }
}

/// <summary>The planner's two readings of a body, structure first and then the typed message's bounds, on the corpus.</summary>
public class MalformedSubmissionTests
{
    private static readonly PlannerOptions Options = new();

    public static TheoryData<MalformedSubmissions.Case> Corpus => new(MalformedSubmissions.All);

    /// <summary>What the planner answers a body with: the body reader's problem, or else the validator's.</summary>
    private static string? Answer(byte[] body)
    {
        if (SubmissionBody.FindProblem(body, enveloped: false, Options.MaxSubmissionBytes, out _) is { } problem)
            return problem;
        var message = JsonSerializer.Deserialize<ProjectSubmitted>(body, new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
        return new ProjectSubmissionValidator(Options).FindProblem(message);
    }

    [Theory]
    [MemberData(nameof(Corpus))]
    public void A_malformed_body_is_refused_naming_what_is_wrong(MalformedSubmissions.Case malformed)
    {
        Assert.Contains(malformed.Names, Answer(malformed.Body));
    }

    [Fact]
    public void A_valid_body_has_no_problem()
    {
        Assert.Null(Answer(Encoding.UTF8.GetBytes(MalformedSubmissions.Submission(Guid.NewGuid()))));
    }

    [Fact]
    public void A_valid_body_in_a_MassTransit_envelope_has_no_problem()
    {
        var envelope = $"{{\"messageId\": \"{Guid.NewGuid()}\", \"messageType\": [\"urn:message:FlopsBus.Contracts:ProjectSubmitted\"], \"message\": {MalformedSubmissions.Submission(Guid.NewGuid())}}}";

        Assert.Null(SubmissionBody.FindProblem(Encoding.UTF8.GetBytes(envelope), enveloped: true, Options.MaxSubmissionBytes, out _));
    }

    [Fact]
    public void A_rejected_body_whose_projectId_is_a_GUID_is_rejected_under_that_id()
    {
        var projectId = Guid.NewGuid();

        SubmissionBody.FindProblem(Encoding.UTF8.GetBytes(MalformedSubmissions.Submission(projectId, "\"learners\": \"two\"")), false, Options.MaxSubmissionBytes, out var found);

        Assert.Equal(projectId, found);
    }
}
