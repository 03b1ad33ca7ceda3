using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Chat;

/// <summary>Options that `serve` and `join` share.</summary>
internal static class CommonOptions
{
    public static Option<string?> Lang()
    {
        var option = new Option<string?>("--lang")
        {
            Description = "Language of what users see: en (English) or es (Spanish). Default: the system's language.",
        };
        option.AcceptOnlyFromAmong("en", "es");
        return option;
    }

    public static Option<int> Port(string description)
    {
        var option = new Option<int>("--port", "-p")
        {
            Description = description,
            DefaultValueFactory = _ => 65434,
        };
        option.Validators.Add(result =>
        {
            if (!AreIntegers(result))
            {
                return;
            }

            int port = result.GetValueOrDefault<int>();
            if (port is < 0 or > 65535)
            {
                result.AddError($"--port must be between 0 and 65535, not {port}.");
            }
        });
        return option;
    }

    /// <summary>
    /// Whether every value given to a numeric option is a number. Its validator
    /// checks this first: reading a value that did not convert throws, and the
    /// parser already reports it ("Cannot parse argument 'abc' for option '--port'").
    /// </summary>
    public static bool AreIntegers(OptionResult result) =>
        result.Tokens.All(token => int.TryParse(token.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out _));

    /// <summary>The culture for --lang, or the system's UI culture when it was not given.</summary>
    public static CultureInfo Culture(string? lang)
    {
        var culture = lang is null ? CultureInfo.CurrentUICulture : CultureInfo.GetCultureInfo(lang);
        CultureInfo.CurrentUICulture = culture;
        return culture;
    }
}
