using Chat.Client.Terminal;

namespace Chat.Client.Tests;

public class LineEditorTests
{
    private static ConsoleKeyInfo Key(char c) => new(c, ConsoleKey.A, false, false, false);

    private static ConsoleKeyInfo Key(ConsoleKey key, bool control = false) => new('\0', key, false, false, control);

    private static void Type(LineEditor editor, string text)
    {
        foreach (char c in text)
        {
            Assert.Null(editor.Apply(Key(c)));
        }
    }

    [Fact]
    public void Typing_and_enter_give_the_line_and_clear_the_editor()
    {
        var editor = new LineEditor();
        Type(editor, "hola ñandú");
        Assert.Equal("hola ñandú", editor.Text);
        Assert.Equal("hola ñandú", editor.Apply(Key(ConsoleKey.Enter)));
        Assert.Equal("", editor.Text);
        Assert.Equal(0, editor.Cursor);
    }

    [Fact]
    public void Cursor_moves_and_edits_in_the_middle()
    {
        var editor = new LineEditor();
        Type(editor, "helo");
        editor.Apply(Key(ConsoleKey.LeftArrow));
        Type(editor, "l");
        Assert.Equal("hello", editor.Text);
        editor.Apply(Key(ConsoleKey.Home));
        editor.Apply(Key(ConsoleKey.Delete));
        Assert.Equal("ello", editor.Text);
        editor.Apply(Key(ConsoleKey.End));
        editor.Apply(Key(ConsoleKey.Backspace));
        Assert.Equal("ell", editor.Text);
        Assert.Equal(3, editor.Cursor);
    }

    [Fact]
    public void Ctrl_u_deletes_to_the_start()
    {
        var editor = new LineEditor();
        Type(editor, "abc def");
        editor.Apply(Key(ConsoleKey.LeftArrow));
        editor.Apply(Key(ConsoleKey.LeftArrow));
        editor.Apply(Key(ConsoleKey.U, control: true));
        Assert.Equal("ef", editor.Text);
        Assert.Equal(0, editor.Cursor);
    }

    [Fact]
    public void Backspace_removes_a_whole_emoji()
    {
        var editor = new LineEditor();
        Type(editor, "a😀");
        editor.Apply(Key(ConsoleKey.Backspace));
        Assert.Equal("a", editor.Text);
    }

    [Fact]
    public void Control_characters_are_not_inserted()
    {
        var editor = new LineEditor();
        editor.Apply(new ConsoleKeyInfo('\u0007', ConsoleKey.G, false, false, true));
        Assert.Equal("", editor.Text);
    }
}
