namespace FlopsBus.Cli;

/// <summary>A part of FlopsBus the CLI needs did not answer (exit code 3, as for a request nobody answers).</summary>
public sealed class ServiceUnreachableException(string message, Exception? inner = null) : Exception(message, inner);
