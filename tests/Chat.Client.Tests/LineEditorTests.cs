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

    private static ConsoleKeyInfo Alt(ConsoleKey key, char c) => new(c, key, false, true, false);

    [Fact]
    public void Word_jumps_and_word_deletes()
    {
        var editor = new LineEditor();
        Type(editor, "uno dos  tres");
        editor.Apply(Key(ConsoleKey.LeftArrow, control: true));
        Assert.Equal(9, editor.Cursor);
        editor.Apply(Alt(ConsoleKey.B, 'b'));
        Assert.Equal(4, editor.Cursor);
        editor.Apply(Alt(ConsoleKey.F, 'f'));
        Assert.Equal(7, editor.Cursor);
        editor.Apply(Key(ConsoleKey.RightArrow, control: true));
        Assert.Equal(13, editor.Cursor);
        editor.Apply(Key(ConsoleKey.W, control: true));
        Assert.Equal("uno dos  ", editor.Text);
        editor.Apply(Key(ConsoleKey.Home));
        editor.Apply(Key(ConsoleKey.RightArrow));
        editor.Apply(Key(ConsoleKey.K, control: true));
        Assert.Equal("u", editor.Text);
    }

    [Fact]
    public void Cursor_steps_over_whole_characters()
    {
        var editor = new LineEditor();
        editor.Insert("ae\u0301😀b");
        editor.Apply(Key(ConsoleKey.LeftArrow));
        editor.Apply(Key(ConsoleKey.LeftArrow));
        Assert.Equal(3, editor.Cursor); // before the emoji, after "é"
        editor.Apply(Key(ConsoleKey.Backspace));
        Assert.Equal("a😀b", editor.Text);
        editor.Apply(Key(ConsoleKey.Delete));
        Assert.Equal("ab", editor.Text);
    }

    [Fact]
    public void Up_and_down_walk_the_history_and_keep_the_draft()
    {
        var editor = new LineEditor();
        Type(editor, "first");
        editor.Apply(Key(ConsoleKey.Enter));
        Type(editor, "second");
        editor.Apply(Key(ConsoleKey.Enter));
        Type(editor, "draft");
        editor.Apply(Key(ConsoleKey.UpArrow));
        Assert.Equal("second", editor.Text);
        editor.Apply(Key(ConsoleKey.UpArrow));
        editor.Apply(Key(ConsoleKey.UpArrow));
        Assert.Equal("first", editor.Text);
        editor.Apply(Key(ConsoleKey.DownArrow));
        editor.Apply(Key(ConsoleKey.DownArrow));
        Assert.Equal("draft", editor.Text);
        Assert.Equal(5, editor.Cursor);
    }

    [Fact]
    public void Tab_completes_and_cycles_through_nicks()
    {
        var editor = new LineEditor { Nicks = () => ["Ana", "andrés", "Beto"], Commands = ["/msg", "/me"] };
        Type(editor, "an");
        editor.Apply(Key(ConsoleKey.Tab));
        Assert.Equal("Ana: ", editor.Text);
        editor.Apply(Key(ConsoleKey.Tab));
        Assert.Equal("andrés: ", editor.Text);
        editor.Apply(Key(ConsoleKey.Tab));
        Assert.Equal("Ana: ", editor.Text);
        Type(editor, "hola b");
        editor.Apply(Key(ConsoleKey.Tab));
        Assert.Equal("Ana: hola Beto ", editor.Text);
        editor.Apply(Key(ConsoleKey.U, control: true));
        Type(editor, "/m");
        editor.Apply(Key(ConsoleKey.Tab));
        Assert.Equal("/me ", editor.Text);
        editor.Apply(Key(ConsoleKey.Tab));
        Assert.Equal("/msg ", editor.Text);
    }
}
