using Chat.Client.Terminal;

namespace Chat.Client.Tests;

/// <summary>The terminal view on a virtual screen: keys in, screen contents out.</summary>
public class TerminalViewTests
{
    private static readonly DateTimeOffset Noon = new DateTimeOffset(2025, 5, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly string Stamp = Noon.ToLocalTime().ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture);

    private static (TerminalView View, ScreenBuffer Screen) NewView(int width = 80, int height = 24, bool bell = true)
    {
        var screen = new ScreenBuffer(width, height);
        var view = new TerminalView(screen, bell, () => Noon);
        view.SetStatus(new ChatStatus("Juan", "#general", [new("#general", 0), new("#dev", 0)], "connected"));
        return (view, screen);
    }

    private static void Type(TerminalView view, string text)
    {
        foreach (char c in text)
        {
            view.HandleKey(new ConsoleKeyInfo(c, ConsoleKey.A, false, false, false));
        }
    }

    private static void Press(TerminalView view, ConsoleKey key, bool control = false, bool alt = false, char c = '\0') =>
        view.HandleKey(new ConsoleKeyInfo(c, key, false, alt, control));

    private static ChatLine Said(string nick, string text) => new($"{nick}: {text}", LineKind.Message) { Nick = nick, Body = text };

    [Fact]
    public async Task A_message_arriving_mid_typing_goes_above_and_the_input_stays_intact()
    {
        var (view, screen) = NewView();
        var read = view.ReadLineAsync("You: ", CancellationToken.None);
        Type(view, "hola a to");
        Assert.Equal("You: hola a to", screen.Row(23));
        Assert.Equal((23, 14), (screen.CursorRow, screen.CursorColumn));

        view.Show(Said("Ana", "¿qué tal?"));

        Assert.Equal($"{Stamp} Ana: ¿qué tal?", screen.Row(21));
        Assert.StartsWith(" Juan | #general | #dev | connected", screen.Row(22));
        Assert.Equal("You: hola a to", screen.Row(23));
        Assert.Equal((23, 14), (screen.CursorRow, screen.CursorColumn));

        Type(view, "dos");
        Press(view, ConsoleKey.Enter);
        Assert.Equal("hola a todos", await read.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal("You:", screen.Row(23)); // the line is sent; the prompt waits for the next
    }

    [Fact]
    public void Lines_scroll_up_and_keep_their_order()
    {
        var (view, screen) = NewView(40, 6);
        for (int i = 1; i <= 6; i++)
        {
            view.ShowLine($"line {i}");
        }

        Assert.Equal([$"{Stamp} line 3", $"{Stamp} line 4", $"{Stamp} line 5", $"{Stamp} line 6"], screen.Rows.Take(4));
        Assert.Contains($"{Stamp} line 2", screen.Scrollback);
    }

    [Fact]
    public void Long_messages_wrap_with_a_hanging_indent()
    {
        var (view, screen) = NewView(30, 10);
        view.Show(Said("Ana", "uno dos tres cuatro cinco seis siete ocho"));
        // "HH:mm Ana: " is 11 columns: wrapped rows start under the text.
        Assert.Equal($"{Stamp} Ana: uno dos tres cuatro", screen.Row(5));
        Assert.Equal("           cinco seis siete", screen.Row(6));
        Assert.Equal("           ocho", screen.Row(7));
    }

    [Fact]
    public void Wide_characters_take_two_columns_and_the_cursor_follows()
    {
        var (view, screen) = NewView(20, 6);
        _ = view.ReadLineAsync("> ", CancellationToken.None);
        Type(view, "日本");
        view.HandleKey(new ConsoleKeyInfo('\uD83D', ConsoleKey.A, false, false, false));
        view.HandleKey(new ConsoleKeyInfo('\uDE00', ConsoleKey.A, false, false, false));
        Type(view, "e\u0301");
        Assert.Equal("> 日本😀e\u0301", screen.Row(5));
        Assert.Equal(2 + 4 + 2 + 1, screen.CursorColumn);
        Press(view, ConsoleKey.LeftArrow);
        Press(view, ConsoleKey.LeftArrow);
        Assert.Equal(2 + 4, screen.CursorColumn);

        view.ShowLine("中文 and 😀 emoji fit");
        Assert.Equal($"{Stamp} 中文 and 😀", screen.Row(2));
        Assert.Equal("      emoji fit", screen.Row(3));
    }

    [Fact]
    public void Long_input_scrolls_sideways_to_keep_the_cursor_visible()
    {
        var (view, screen) = NewView(20, 5);
        _ = view.ReadLineAsync("You: ", CancellationToken.None);
        Type(view, "abcdefghijklmnopqrstuvwxyz");
        Assert.EndsWith("z", screen.Row(4));
        Assert.True(screen.CursorColumn <= 19);
        Press(view, ConsoleKey.Home);
        Assert.Equal("You: abcdefghijklmn", screen.Row(4));
        Assert.Equal(5, screen.CursorColumn);
    }

    [Fact]
    public void A_resize_redraws_the_lines_the_status_and_the_input()
    {
        var (view, screen) = NewView(80, 8);
        _ = view.ReadLineAsync("You: ", CancellationToken.None);
        view.Show(Said("Ana", "a message that will need wrapping later"));
        Assert.Equal($"{Stamp} Ana: a message that will need wrapping later", screen.Row(5));
        Type(view, "half typed");

        screen.Resize(30, 6);
        view.CheckSize();

        Assert.Equal("", screen.Row(1));
        Assert.Equal($"{Stamp} Ana: a message that will", screen.Row(2));
        Assert.Equal("           need wrapping later", screen.Row(3));
        Assert.StartsWith(" Juan | #general | #dev", screen.Row(4));
        Assert.Equal("You: half typed", screen.Row(5));
        Assert.Equal((5, 15), (screen.CursorRow, screen.CursorColumn));
    }

    [Fact]
    public void Mentions_ring_the_bell_unless_it_is_off()
    {
        var (view, screen) = NewView();
        view.Show(Said("Ana", "hola"));
        Assert.Equal(0, screen.Bells);
        view.Show(Said("Ana", "hola Juan"));
        Assert.Equal(1, screen.Bells);
        Assert.True(screen.StyleAt(21, screen.ColumnOf(21, "hola Juan")).Reverse);
        view.Show(new ChatLine("(private) Ana: psst", LineKind.Private) { Nick = "Ana", Body = "psst" });
        Assert.Equal(2, screen.Bells);
        view.Bell = false;
        view.Show(Said("Ana", "juan?"));
        Assert.Equal(2, screen.Bells);
    }

    [Fact]
    public void Nicks_have_their_colour_and_the_status_shows_unread_rooms()
    {
        var (view, screen) = NewView();
        view.Show(Said("Ana", "hola"));
        Assert.Equal(LineStyle.NickColor("Ana"), screen.StyleAt(21, screen.ColumnOf(21, "Ana")).Color);
        view.SetStatus(new ChatStatus("Juan", "#general", [new("#general", 0), new("#dev", 3)], "reconnecting in 4s"));
        Assert.StartsWith(" Juan | #general | #dev(3) | reconnecting in 4s", screen.Row(22));
        Assert.True(screen.StyleAt(22, 0).Reverse);
    }

    [Fact]
    public async Task Room_keys_ask_for_a_room_switch_and_keep_the_typed_text()
    {
        var (view, screen) = NewView();
        var read = view.ReadLineAsync("You: ", CancellationToken.None);
        Type(view, "draft");
        view.HandleKey(new ConsoleKeyInfo('2', ConsoleKey.D2, false, true, false));
        Assert.Equal("/room #dev", await read.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal("draft", view.Editor.Text);

        read = view.ReadLineAsync("You: ", CancellationToken.None);
        Press(view, ConsoleKey.N, control: true);
        Assert.Equal("/room #dev", await read.WaitAsync(TimeSpan.FromSeconds(5)));
        read = view.ReadLineAsync("You: ", CancellationToken.None);
        Press(view, ConsoleKey.P, control: true);
        Assert.Equal("/room #dev", await read.WaitAsync(TimeSpan.FromSeconds(5))); // two rooms: previous is the other one too
        Assert.Equal("You: draft", screen.Row(23));
    }

    [Fact]
    public void Tab_completes_nicks_of_the_room_and_commands()
    {
        var (view, screen) = NewView();
        view.SetCompletion(() => ["Ana", "Andrés", "Beto"], ["/join", "/msg", "/me"]);
        _ = view.ReadLineAsync("You: ", CancellationToken.None);
        Type(view, "be");
        Press(view, ConsoleKey.Tab);
        Assert.Equal("You: Beto:", screen.Row(23));
        Press(view, ConsoleKey.U, control: true);
        Type(view, "/j");
        Press(view, ConsoleKey.Tab);
        Assert.Equal("/join ", view.Editor.Text);
    }

    [Fact]
    public async Task Ctrl_c_and_ctrl_d_on_an_empty_line_end_input()
    {
        var (view, _) = NewView();
        var read = view.ReadLineAsync("You: ", CancellationToken.None);
        Press(view, ConsoleKey.C, control: true);
        Assert.Null(await read.WaitAsync(TimeSpan.FromSeconds(5)));
        read = view.ReadLineAsync("You: ", CancellationToken.None);
        Type(view, "x");
        Press(view, ConsoleKey.D, control: true); // not empty: nothing happens
        Press(view, ConsoleKey.Backspace);
        Assert.False(read.IsCompleted);
        Press(view, ConsoleKey.D, control: true);
        Assert.Null(await read.WaitAsync(TimeSpan.FromSeconds(5)));
    }
}
