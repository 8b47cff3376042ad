package dev.pageio.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A strict little JSON reader for the tests: objects, arrays, strings, numbers, true/false/null. */
final class MiniJson
{
    private final String text;
    private int pos;

    private MiniJson(final String text)
    {
        this.text = text;
    }

    static Object parse(final String text)
    {
        final MiniJson p = new MiniJson(text.trim());
        final Object value = p.value();
        if (p.pos != p.text.length())
        {
            throw new IllegalArgumentException("trailing text at " + p.pos + ": " + text);
        }
        return value;
    }

    private Object value()
    {
        final char c = text.charAt(pos);
        if (c == '{')
        {
            pos++;
            final Map<String, Object> map = new LinkedHashMap<>();
            if (text.charAt(pos) == '}')
            {
                pos++;
                return map;
            }
            while (true)
            {
                final String key = string();
                expect(':');
                if (map.put(key, value()) != null)
                {
                    throw new IllegalArgumentException("duplicate key " + key);
                }
                if (text.charAt(pos) == ',')
                {
                    pos++;
                    continue;
                }
                expect('}');
                return map;
            }
        }
        if (c == '[')
        {
            pos++;
            final List<Object> list = new ArrayList<>();
            if (text.charAt(pos) == ']')
            {
                pos++;
                return list;
            }
            while (true)
            {
                list.add(value());
                if (text.charAt(pos) == ',')
                {
                    pos++;
                    continue;
                }
                expect(']');
                return list;
            }
        }
        if (c == '"')
        {
            return string();
        }
        for (final String word : new String[] {"true", "false", "null"})
        {
            if (text.startsWith(word, pos))
            {
                pos += word.length();
                return "null".equals(word) ? null : Boolean.valueOf(word);
            }
        }
        final int start = pos;
        while (pos < text.length() && "+-0123456789.eE".indexOf(text.charAt(pos)) >= 0)
        {
            pos++;
        }
        return Double.parseDouble(text.substring(start, pos));
    }

    private String string()
    {
        expect('"');
        final StringBuilder b = new StringBuilder();
        while (true)
        {
            final char c = text.charAt(pos++);
            if (c == '"')
            {
                return b.toString();
            }
            if (c == '\\')
            {
                final char e = text.charAt(pos++);
                if (e == 'u')
                {
                    b.append((char)Integer.parseInt(text.substring(pos, pos + 4), 16));
                    pos += 4;
                }
                else
                {
                    b.append(e == 'n' ? '\n' : e == 't' ? '\t' : e);
                }
            }
            else
            {
                b.append(c);
            }
        }
    }

    private void expect(final char c)
    {
        if (text.charAt(pos) != c)
        {
            throw new IllegalArgumentException("expected " + c + " at " + pos + ": " + text);
        }
        pos++;
    }
}
