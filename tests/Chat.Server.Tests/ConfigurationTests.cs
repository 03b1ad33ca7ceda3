using System.Net;
using Chat.Server.Configuration;
using Chat.Server.Security;

namespace Chat.Server.Tests;

public sealed class ConfigurationTests : IDisposable
{
    private static readonly Lazy<string> Hash = new(() => PasswordHasher.Hash("opensesame"));

    // Each test reads its own environment variables, so tests never see each other's.
    private readonly string _prefix = $"CHATTEST_{Guid.NewGuid():N}_";
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"chat-config-{Guid.NewGuid():N}");
    private readonly List<string> _variables = new();

    public ConfigurationTests()
    {
        Directory.CreateDirectory(_folder);
    }

    public void Dispose()
    {
        foreach (string name in _variables)
        {
            Environment.SetEnvironmentVariable(name, null);
        }

        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public void A_full_file_maps_onto_server_options()
    {
        string file = Write($$"""
        {
          "Server": {
            "Name": "irc.example.org",
            "Network": "ExampleNet",
            "Language": "es",
            "Motd": [ "Hola", "Be kind" ],
            "Admin": { "Location": "Madrid", "Location2": "Example team", "Email": "admin@example.org" }
          },
          "Listen": { "Host": "0.0.0.0", "Port": 6667 },
          "Limits": { "SendQueueBytes": 65536, "RegistrationTimeoutSeconds": 30, "PingIntervalSeconds": 60, "PingTimeoutSeconds": 90 },
          "Operators": [ { "Name": "boss", "PasswordHash": "{{Hash.Value}}" } ],
          "Log": { "File": "var/chat.log", "Messages": false }
        }
        """);

        var settings = Load(file);

        var o = settings.Server;
        Assert.Equal("irc.example.org", o.ServerName);
        Assert.Equal("ExampleNet", o.Network);
        Assert.Equal("es", o.Culture.Name);
        Assert.Equal(["Hola", "Be kind"], o.Motd!);
        Assert.Equal(new AdminInfo { Location = "Madrid", Location2 = "Example team", Email = "admin@example.org" }, o.Admin);
        Assert.Equal(IPAddress.Any, o.Host);
        Assert.Equal(6667, o.Port);
        Assert.Equal(65536, o.Connection.SendQueueLimit);
        Assert.Equal(TimeSpan.FromSeconds(30), o.RegistrationTimeout);
        Assert.Equal(TimeSpan.FromSeconds(60), o.PingInterval);
        Assert.Equal(TimeSpan.FromSeconds(90), o.PingTimeout);
        Assert.Equal([new OperatorEntry("boss", Hash.Value)], o.Operators);
        Assert.Equal("var/chat.log", settings.LogFile);
        Assert.False(o.LogMessages);
    }

    [Fact]
    public void Without_any_configuration_the_defaults_apply()
    {
        var settings = ServerConfiguration.Load(null, [], _prefix);
        var defaults = new ServerOptions();
        Assert.Equal(defaults.Port, settings.Server.Port);
        Assert.Equal(defaults.Host, settings.Server.Host);
        Assert.Empty(settings.Server.Operators);
        Assert.Null(settings.Server.Motd);
        Assert.Equal(ServeSettings.DefaultLogFile, settings.LogFile);
        Assert.True(settings.Server.LogMessages);
    }

    [Fact]
    public void Environment_variables_override_the_file_and_command_line_options_override_both()
    {
        string file = Write("""{ "Server": { "Name": "file.name", "Network": "FileNet" }, "Listen": { "Port": 1111 } }""");
        SetVariable("Server__Name", "env.name");
        SetVariable("Listen__Port", "2222");

        var fromEnvironment = Load(file);
        Assert.Equal("env.name", fromEnvironment.Server.ServerName);
        Assert.Equal("FileNet", fromEnvironment.Server.Network);
        Assert.Equal(2222, fromEnvironment.Server.Port);

        var fromCommandLine = Load(file, "--port", "3333", "--server-name", "cli.name", "--log-file", "x.log", "--lang", "en", "--host", "::1");
        Assert.Equal("cli.name", fromCommandLine.Server.ServerName);
        Assert.Equal(3333, fromCommandLine.Server.Port);
        Assert.Equal(IPAddress.IPv6Loopback, fromCommandLine.Server.Host);
        Assert.Equal("x.log", fromCommandLine.LogFile);
        Assert.Equal("en", fromCommandLine.Server.Culture.Name);
    }

    [Fact]
    public void A_missing_file_is_one_line_naming_the_file()
    {
        string missing = Path.Combine(_folder, "nope.json");
        string error = LoadError(missing);
        Assert.Contains(missing, error, StringComparison.Ordinal);
        Assert.Contains("does not exist", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_json_is_one_line_naming_the_file()
    {
        string file = Write("""{ "Server": { "Name": "x", }""");
        string error = LoadError(file);
        Assert.StartsWith(file + ":", error, StringComparison.Ordinal);
        Assert.Contains("JSON", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_value_of_the_wrong_type_names_the_file_the_key_and_the_value()
    {
        string file = Write("""{ "Listen": { "Port": "abc" } }""");
        string error = LoadError(file);
        Assert.StartsWith(file + ":", error, StringComparison.Ordinal);
        Assert.Contains("Listen:Port", error, StringComparison.Ordinal);
        Assert.Contains("'abc'", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{ "Listen": { "Port": 70000 } }""", "Listen:Port")]
    [InlineData("""{ "Listen": { "Host": "localhost" } }""", "Listen:Host")]
    [InlineData("""{ "Listen": { "Port": { "Value": 1 } } }""", "Listen:Port")]
    [InlineData("""{ "Server": { "Name": "two words" } }""", "Server:Name")]
    [InlineData("""{ "Server": { "Language": "fr" } }""", "Server:Language")]
    [InlineData("""{ "Server": { "Nmae": "typo" } }""", "Server:Nmae")]
    [InlineData("""{ "Server": "just a string" }""", "Server")]
    [InlineData("""{ "Limits": { "PingTimeoutSeconds": 0 } }""", "Limits:PingTimeoutSeconds")]
    [InlineData("""{ "Limits": { "SendQueueBytes": 10 } }""", "Limits:SendQueueBytes")]
    [InlineData("""{ "Server": { "Motd": [ "a" ], "MotdFile": "motd.txt" } }""", "Server:MotdFile")]
    [InlineData("""{ "Operators": { "Name": "boss" } }""", "Operators")]
    [InlineData("""{ "Operators": [ { "PasswordHash": "x" } ] }""", "Operators:0:Name")]
    public void Each_bad_value_names_its_key(string json, string key)
    {
        string file = Write(json);
        string error = LoadError(file);
        Assert.StartsWith(file + ":", error, StringComparison.Ordinal);
        Assert.Contains(key, error, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_top_level_section_is_an_error()
    {
        string file = Write("""{ "Server": { "Name": "a.b" }, "Bogus": { "X": 1 } }""");
        string error = LoadError(file);
        Assert.Contains("Bogus", error, StringComparison.Ordinal);
        Assert.Contains("unknown section", error, StringComparison.Ordinal);
    }

    [Fact]
    public void An_operator_without_a_hash_is_an_error()
    {
        string file = Write("""{ "Operators": [ { "Name": "boss" } ] }""");
        string error = LoadError(file);
        Assert.Contains("Operators:0:PasswordHash", error, StringComparison.Ordinal);
        Assert.Contains("missing", error, StringComparison.Ordinal);
        Assert.Contains("chat hash-password", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("opensesame")]
    [InlineData("pbkdf2-sha256$1000$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("sha1$600000$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    public void A_hash_not_in_the_expected_format_is_an_error_that_does_not_echo_it(string hash)
    {
        string file = Write($$"""{ "Operators": [ { "Name": "boss", "PasswordHash": "{{hash}}" } ] }""");
        string error = LoadError(file);
        Assert.Contains("Operators:0:PasswordHash", error, StringComparison.Ordinal);
        Assert.DoesNotContain(hash, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Duplicate_operator_names_are_an_error()
    {
        string file = Write($$"""{ "Operators": [ { "Name": "boss", "PasswordHash": "{{Hash.Value}}" }, { "Name": "boss", "PasswordHash": "{{Hash.Value}}" } ] }""");
        Assert.Contains("twice", LoadError(file), StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_environment_variable_is_named_as_such()
    {
        SetVariable("Listen__Port", "abc");
        string error = LoadError(null);
        Assert.StartsWith($"environment variable {_prefix}Listen__Port:", error, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_environment_section_is_named_as_such()
    {
        SetVariable("Bogus", "1");
        string error = LoadError(null);
        Assert.Contains($"environment variable {_prefix}Bogus", error, StringComparison.Ordinal);
        Assert.Contains("unknown section", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_command_line_option_is_named_as_such()
    {
        string error = LoadError(null, "--host", "nowhere");
        Assert.StartsWith("command-line option --host:", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_relative_motd_file_is_found_beside_the_configuration_file()
    {
        string file = Write("""{ "Server": { "MotdFile": "motd.txt" } }""");
        var settings = Load(file);
        Assert.Equal(Path.Combine(_folder, "motd.txt"), settings.Server.MotdFile);
    }

    [Fact]
    public void A_single_motd_string_is_one_line()
    {
        string file = Write("""{ "Server": { "Motd": "only line" } }""");
        Assert.Equal(["only line"], Load(file).Server.Motd!);
    }

    private string Write(string json)
    {
        string path = Path.Combine(_folder, $"chat-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json);
        return path;
    }

    private void SetVariable(string name, string value)
    {
        _variables.Add(_prefix + name);
        Environment.SetEnvironmentVariable(_prefix + name, value);
    }

    private ServeSettings Load(string? file, params string[] commandLine) =>
        ServerConfiguration.Load(file, commandLine, _prefix);

    private string LoadError(string? file, params string[] commandLine)
    {
        var error = Assert.Throws<ConfigurationException>(() => Load(file, commandLine));
        Assert.DoesNotContain('\n', error.Message);
        Assert.DoesNotContain('\r', error.Message);
        return error.Message;
    }
}
