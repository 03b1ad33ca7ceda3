using System.Diagnostics;
using System.Text.Json;

namespace Chat.Bench;

/// <summary>What a scenario measured: a human summary and one JSON line.</summary>
public sealed class BenchResult
{
    private readonly Dictionary<string, object?> _fields = new();

    public BenchResult(string scenario)
    {
        _fields["scenario"] = scenario;
    }

    public BenchResult Add(string name, object? value)
    {
        _fields[name] = value is double d ? Math.Round(d, 3) : value;
        return this;
    }

    public string ToJson() => JsonSerializer.Serialize(_fields);

    public string ToSummary() =>
        string.Join(Environment.NewLine, _fields.Select(kv => $"  {kv.Key,-28} {kv.Value}"));

    /// <summary>CPU time this process has used, to show the generator is not the bottleneck.</summary>
    public static TimeSpan GeneratorCpu() => Process.GetCurrentProcess().TotalProcessorTime;

    /// <summary>Resident memory of a process in KiB from /proc, or null when it cannot be read.</summary>
    public static long? ResidentKiB(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
        }

        return null;
    }
}
