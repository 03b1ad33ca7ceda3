using System.Globalization;
using System.Text;
using Chat.Client.Resources;

namespace Chat;

/// <summary>Where `chat join --password` without a value gets the password: CHAT_PASSWORD, or asked without echo.</summary>
internal static class PasswordInput
{
    public const string Variable = "CHAT_PASSWORD";

    public static string? Read(CultureInfo culture)
    {
        if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } fromEnvironment)
        {
            return fromEnvironment;
        }

        if (Console.IsInputRedirected)
        {
            // Scripts: the first input line is the password.
            return Console.In.ReadLine();
        }

        Console.Error.Write(new ClientText(culture)["PasswordPrompt"]);
        var typed = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                Console.Error.WriteLine();
                return typed.ToString();
            }

            if (key.Key == ConsoleKey.Backspace)
            {
                if (typed.Length > 0)
                {
                    typed.Length--;
                }
            }
            else if (!char.IsControl(key.KeyChar))
            {
                typed.Append(key.KeyChar);
            }
        }
    }
}
