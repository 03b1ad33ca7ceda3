using System.Text;
using BenchmarkDotNet.Attributes;
using Chat.Core.Protocol;

namespace Chat.Benchmarks;

/// <summary>IrcParser.TryParse over lines as clients send them: a bare message, and one with tags and a source.</summary>
[MemoryDiagnoser]
public class ParserBenchmarks
{
    private readonly byte[] _privmsg = Encoding.UTF8.GetBytes("PRIVMSG #bench :bench 3 123456789012");
    private readonly byte[] _tagged = Encoding.UTF8.GetBytes("@time=2026-11-21T08:00:00.000Z;msgid=01JD3Q9ZJ6W2K8;+typing=active :ana!ana@127.0.0.1 PRIVMSG #general :hola a todos, ¿qué tal?");

    [Benchmark(Baseline = true)]
    public IrcMessage? Privmsg()
    {
        IrcParser.TryParse(_privmsg, out var message);
        return message;
    }

    [Benchmark]
    public IrcMessage? TaggedWithSource()
    {
        IrcParser.TryParse(_tagged, out var message);
        return message;
    }
}
