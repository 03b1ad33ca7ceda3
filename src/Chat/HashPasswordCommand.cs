using System.CommandLine;
using System.Text;
using Chat.Server.Security;

namespace Chat;

/// <summary>`chat hash-password`: turns a password into the hash the configuration's Operators list expects.</summary>
internal static class HashPasswordCommand
{
    public static Command Create()
    {
        var command = new Command("hash-password", "Read a password from standard input (one line; not echoed at a terminal) and print its PBKDF2-SHA256 hash for the configuration file's \"PasswordHash\".");
        command.SetAction(_ =>
        {
            string? password = Console.IsInputRedirected ? Console.In.ReadLine() : ReadHidden("Password: ");
            if (string.IsNullOrEmpty(password))
            {
                Console.Error.WriteLine("chat hash-password: the password is empty; type one and press Enter.");
                return 2;
            }

            if (!Console.IsInputRedirected && ReadHidden("Again: ") != password)
            {
                Console.Error.WriteLine("chat hash-password: the two passwords differ; nothing was printed.");
                return 2;
            }

            Console.Out.WriteLine(PasswordHasher.Hash(password));
            return 0;
        });
        return command;
    }

    /// <summary>Reads a line at the terminal without echoing it; the prompt goes to standard error so the hash alone is on standard output.</summary>
    private static string ReadHidden(string prompt)
    {
        Console.Error.Write(prompt);
        var text = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                break;
            }

            if (key.Key == ConsoleKey.Backspace)
            {
                if (text.Length > 0)
                {
                    text.Length--;
                }
            }
            else if (!char.IsControl(key.KeyChar))
            {
                text.Append(key.KeyChar);
            }
        }

        Console.Error.WriteLine();
        return text.ToString();
    }
}
