using FlopsBus.Contracts;
using FlopsBus.Planner;

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
