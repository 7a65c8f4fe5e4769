using ChunkGate.Kubectl.Cli;

namespace ChunkGate.Kubectl.Tests.Cli;

public sealed class CommandLineParserTests
{
    private static ParsedCommand Parse(params string[] args) => CommandLineParser.Parse(args, CommandCatalog.Commands, CommandCatalog.GlobalFlags);

    [Test]
    public void Parse_ReadsKubectlStyleFlags_BeforeAndAfterTheCommand()
    {
        var line = Parse("--context=bob", "-n", "demo", "approve", "export-customers", "--ttl", "10m", "--reason=FIN-1 quarterly", "--wait", "-ojson");

        line.Spec!.Name.Should().Be("approve");
        line.Argument.Should().Be("export-customers");
        line.Value("context").Should().Be("bob");
        line.Value("namespace").Should().Be("demo");
        line.Value("ttl").Should().Be("10m");
        line.Value("reason").Should().Be("FIN-1 quarterly");
        line.Value("output").Should().Be("json");
        line.Switch("wait").Should().BeTrue();
    }

    [TestCase("-ndemo")]
    [TestCase("-n=demo")]
    [TestCase("--namespace=demo")]
    public void Parse_ReadsEachSpellingOfAShortFlag(string flag) =>
        Parse("pending", flag).Value("namespace").Should().Be("demo");

    [Test]
    public void Parse_SwitchesAcceptExplicitFalse() =>
        Parse("revoke", "j", "--wait=false").Switch("wait").Should().BeFalse();

    [Test]
    public void Parse_DoubleDashEndsFlags_SoAJobMayLookLikeOne() =>
        Parse("show", "--", "-odd").Argument.Should().Be("-odd");

    [TestCase(new[] { "frobnicate" }, "unknown command \"frobnicate\" for \"kubectl chunk\"")]
    [TestCase(new[] { "approve" }, "JOB is required: kubectl chunk approve JOB")]
    [TestCase(new[] { "show", "a", "b" }, "unexpected argument \"b\" for \"kubectl chunk show\"")]
    [TestCase(new[] { "show", "a", "--ttl", "1m" }, "unknown flag: --ttl for \"kubectl chunk show\"")]
    [TestCase(new[] { "--ttl", "1m", "approve", "a" }, "unknown flag: --ttl (flags before the command")]
    [TestCase(new[] { "approve", "a", "--ttl" }, "flag needs an argument: --ttl")]
    [TestCase(new[] { "pending", "-Ax" }, "unknown flag: -Ax")]
    [TestCase(new[] { "revoke", "a", "--wait=soon" }, "invalid argument \"soon\" for \"--wait\" flag")]
    public void Parse_RefusesBadLines_WithExitCode2AndOneClearSentence(string[] args, string message)
    {
        var failure = FluentActions.Invoking(() => Parse(args)).Should().Throw<CommandFailure>().Which;

        failure.ExitCode.Should().Be(ExitCodes.Usage);
        failure.Message.Should().StartWith(message);
    }

    [Test]
    public void Parse_HelpWins_EvenWithoutTheJob()
    {
        var line = Parse("approve", "--help");

        line.HelpRequested.Should().BeTrue();
        line.Spec!.Name.Should().Be("approve");
    }

    [Test]
    public void Help_DocumentsEveryExitCode_ForEveryCommand()
    {
        foreach (var command in CommandCatalog.Commands.Append(null))
        {
            var help = HelpText.For(command);
            help.Should().Contain("Exit codes:").And.Contain("  3  refused by the API server").And.Contain("  5  --wait");
        }
    }
}
