"""The README's picture: the bot's own answer, laid out as Discord shows it, as a PNG.

A member asks `!ask which police departments refused` of the real bot (create_bot over
the bundled corpus) in simcord, as the Discord tests do. The reply simcord receives (its
embed, its buttons, the message it answers) is laid out in HTML the way Discord's dark
theme lays out a reply with an embed, and headless Chromium takes the screenshot. Only
the chat around the reply is ours to draw: the names, the avatars' initials and the time.
Re-run it whenever the answer's look changes.

Not part of CI. It needs the dev install (simcord) in `.venv` and Chromium, which on
Debian is one package:

    ./scripts/test -q tests/test_docs.py                    # makes .venv (any test will do)
    apt-get install -y chromium
    .venv/bin/python scripts/screenshot.py                  # writes docs/answer.png
    .venv/bin/python scripts/screenshot.py --html page.html # and keeps the HTML page

The text is set in Noto Sans, Discord's fallback for its own typeface, from the font
files simcord ships (SIL Open Font License); without them Chromium's sans-serif is used.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import discord
import simcord

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.discord.app import create_bot  # noqa: E402
from bot.discord.settings import Settings  # noqa: E402
from bot.engine.answer import Engine  # noqa: E402
from bot.engine.corpus import BUNDLED_CORPUS  # noqa: E402

QUESTION = "which police departments refused"
MEMBER = "alice"
BOT_NAME = "newsquote"  # simcord calls its bot "TestBot"; yours has the name you give it
WIDTH = 640  # CSS pixels of the chat column; the embed takes at most 432 of them
SCALE = 2  # device pixels per CSS pixel, for a sharp picture on high-density screens
FONTS = Path(simcord.__file__).parent / "preview" / "static" / "fonts"


@dataclass(frozen=True)
class Exchange:
    """What the channel shows: the member's message and the bot's reply to it."""

    member: str
    asked: str
    reply: discord.Message


async def ask(question: str) -> Exchange:
    """The bot's reply to `!ask question`, from the real bot in simcord."""
    with tempfile.TemporaryDirectory() as data:
        bot = create_bot(Settings(data_dir=Path(data)), Engine.load(BUNDLED_CORPUS))
        async with simcord.run(bot) as env:
            channel = env.create_guild(name="Newsroom").create_text_channel("general")
            member = channel.guild.add_member(env.create_user(MEMBER))
            asked = await member.send(channel, f"!ask {question}")
            reply = channel.last_message
            if not reply.embeds or reply.reference is None:
                sys.exit(f"The bot did not reply with an embed: {reply.content!r}")
            return Exchange(MEMBER, asked.content, reply)


# -- Discord's markdown, as much of it as answers use ----------------------------------

_INLINE = re.compile(
    r"\\(?P<escaped>[^\w\s])"  # \* shows *
    r"|`(?P<code>[^`]+)`"
    r"|\[(?P<label>(?:\\.|[^\]\\])+)\]\((?P<href>https?://[^\s)]+)\)"
    r"|<(?P<angle>https?://[^\s>]+)>"
    r"|(?P<bare>https?://[^\s<]*[^\s<.,:;\"')\]])"
    r"|\*\*(?P<bold>.+?)\*\*"
)


def inline(text: str) -> str:
    """One line of Discord markdown as HTML: escapes, code, links and bold."""
    out: list[str] = []
    last = 0
    for match in _INLINE.finditer(text):
        out.append(html.escape(text[last : match.start()]))
        last = match.end()
        if match["escaped"]:
            out.append(html.escape(match["escaped"]))
        elif match["code"]:
            out.append(f"<code>{html.escape(match['code'])}</code>")
        elif match["label"]:
            out.append(f'<a href="{html.escape(match["href"])}">{inline(match["label"])}</a>')
        elif match["bold"]:
            out.append(f"<strong>{inline(match['bold'])}</strong>")
        else:
            url = match["angle"] or match["bare"]
            out.append(f'<a href="{html.escape(url)}">{html.escape(url)}</a>')
    out.append(html.escape(text[last:]))
    return "".join(out)


def markdown(text: str) -> str:
    """Discord markdown as HTML: runs of `> ` lines become block quotes, the rest lines."""
    parts: list[str] = []
    quoted: list[str] = []
    for line in [*text.split("\n"), None]:
        if line is not None and line.startswith("> "):
            quoted.append(inline(line[2:]))
            continue
        if quoted:
            parts.append("<blockquote>" + "<br>".join(quoted) + "</blockquote>")
            quoted = []
        if line is not None:
            parts.append(f'<div class="line">{inline(line) or "&nbsp;"}</div>')
    return "".join(parts)


# -- the page --------------------------------------------------------------------------

STYLE = """
@font-face { font-family: "Noto Sans"; font-weight: 100 900; src: url("{sans}"); }
@font-face { font-family: "Noto Sans Mono"; font-weight: 100 900; src: url("{mono}"); }
* { box-sizing: border-box; }
html, body { margin: 0; background: #323339; }
body { width: {width}px; padding: 16px 0 12px; color: #dbdee1;
  font: 16px/1.375 "Noto Sans", sans-serif; text-rendering: optimizeLegibility; }
a { color: #00a8fc; text-decoration: none; }
.message { position: relative; padding: 2px 24px 2px 72px; }
.message + .message { margin-top: 16px; }
.avatar { position: absolute; left: 16px; top: 4px; width: 40px; height: 40px;
  border-radius: 50%; display: grid; place-items: center; color: #fff;
  font-size: 18px; font-weight: 600; }
.reply .avatar { top: 26px; }
.header { display: flex; align-items: baseline; gap: 6px; }
.name { color: #f3f3f4; font-weight: 600; }
.app { align-self: center; padding: 0 4px; border-radius: 3px; background: #5865f2;
  color: #fff; font-size: 10px; font-weight: 700; line-height: 15px; }
.time { color: #949ca4; font-size: 12px; }
.replied { position: relative; display: flex; align-items: center; gap: 4px;
  height: 22px; color: #b5bac1; font-size: 14px; white-space: nowrap; }
.replied::before { content: ""; position: absolute; top: 10px; left: -38px; width: 30px;
  height: 12px; border-left: 2px solid #4e5058; border-top: 2px solid #4e5058;
  border-top-left-radius: 6px; }
.replied .small { width: 16px; height: 16px; border-radius: 50%; color: #fff;
  font-size: 9px; font-weight: 600; display: grid; place-items: center; }
.replied .who { color: #b5bac1; font-weight: 500; margin-right: 2px; }
.replied .what { color: #b5bac1; overflow: hidden; text-overflow: ellipsis; }
.embed { margin-top: 4px; max-width: 432px; padding: 13px 16px 12px 12px;
  background: #393a41; border-left: 4px solid {colour}; border-radius: 4px; }
.embed-title { color: #f3f3f4; font-size: 16px; font-weight: 600; line-height: 22px;
  margin: 0 0 8px; }
.embed-text { font-size: 14px; line-height: 18px; overflow-wrap: anywhere; }
.embed blockquote { margin: 0; padding: 0 8px 0 12px; border-left: 4px solid #4e5058;
  border-radius: 4px; }
.embed .line { min-height: 18px; }
.field { margin-top: 8px; }
.field-name { color: #fff; font-size: 14px; font-weight: 600; line-height: 18px;
  margin-bottom: 2px; }
code { font: 0.85em/1 "Noto Sans Mono", monospace; padding: 0.1em 0.25em;
  border-radius: 4px; background: #2b2d31; border: 1px solid #1e1f22; color: #dbdee1; }
.footer { margin-top: 8px; font-size: 12px; line-height: 16px; font-weight: 500; }
.row { display: flex; gap: 8px; margin-top: 8px; }
button { font: 500 14px/20px "Noto Sans", sans-serif; color: #fff; border: 0;
  min-height: 32px; min-width: 60px; padding: 2px 16px; border-radius: 8px; }
.primary { background: #5865f2; }
.secondary { background: #4e5058; }
.success { background: #008545; }
.danger { background: #d22d39; }
button:disabled { opacity: 0.5; }
"""

_STYLES = {
    discord.ButtonStyle.primary: "primary",
    discord.ButtonStyle.secondary: "secondary",
    discord.ButtonStyle.success: "success",
    discord.ButtonStyle.danger: "danger",
    discord.ButtonStyle.link: "secondary",
}
_AVATARS = ("#5865f2", "#3ba55c", "#ed4245", "#faa61a", "#eb459e")


def avatar(name: str, css: str = "avatar") -> str:
    """A round avatar with the name's initial (Discord's default avatars are plain colours)."""
    colour = "#5865f2" if name == BOT_NAME else _AVATARS[1 + sum(map(ord, name)) % 4]
    return f'<div class="{css}" style="background:{colour}">{html.escape(name[:1].upper())}</div>'


def embed_html(embed: discord.Embed) -> str:
    """One rich embed: colour bar, title, description, fields and footer."""
    parts = []
    if embed.title:
        parts.append(f'<div class="embed-title">{html.escape(embed.title)}</div>')
    if embed.description:
        parts.append(f'<div class="embed-text">{markdown(embed.description)}</div>')
    for field in embed.fields:
        parts.append(
            f'<div class="field"><div class="field-name">{inline(field.name or "")}</div>'
            f'<div class="embed-text">{markdown(field.value or "")}</div></div>'
        )
    if embed.footer.text:
        parts.append(f'<div class="footer">{html.escape(embed.footer.text)}</div>')
    return '<div class="embed">' + "".join(parts) + "</div>"


def buttons_html(message: discord.Message) -> str:
    """The message's rows of buttons, disabled ones dimmed."""
    rows = []
    for row in message.components:
        cells = []
        for child in getattr(row, "children", []):
            if isinstance(child, discord.Button):
                style = _STYLES.get(child.style, "secondary")
                off = " disabled" if child.disabled else ""
                cells.append(
                    f'<button class="{style}"{off}>{html.escape(child.label or "")}</button>'
                )
        rows.append('<div class="row">' + "".join(cells) + "</div>")
    return "".join(rows)


def page(exchange: Exchange) -> str:
    """The HTML page: the member's question, then the bot's reply to it."""
    reply = exchange.reply
    embed = reply.embeds[0]
    colour = f"#{embed.colour.value:06x}" if embed.colour else "#1e1f22"
    time = f"Today at {reply.created_at:%H:%M}"
    fonts = {
        "sans": (FONTS / "noto-sans-latin-v2.015.ttf").as_uri(),
        "mono": (FONTS / "noto-sans-mono-v2.014.ttf").as_uri(),
    }
    style = STYLE
    for key, value in {**fonts, "width": str(WIDTH), "colour": colour}.items():
        style = style.replace("{" + key + "}", value)
    member = exchange.member
    content = f'<div class="text">{inline(reply.content)}</div>' if reply.content else ""
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><style>{style}</style></head>
<body><div id="chat">
<div class="message">{avatar(member)}
  <div class="header"><span class="name">{html.escape(member)}</span>
  <span class="time">{time}</span></div>
  <div class="text">{inline(exchange.asked)}</div></div>
<div class="message reply">
  <div class="replied">{avatar(member, "small")}<span class="who">@{html.escape(member)}</span>
  <span class="what">{html.escape(exchange.asked)}</span></div>
  {avatar(BOT_NAME)}
  <div class="header"><span class="name">{BOT_NAME}</span><span class="app">APP</span>
  <span class="time">{time}</span></div>
  {content}{embed_html(embed)}{buttons_html(reply)}</div>
</div>
<script>
document.fonts.ready.then(() => {{
  document.body.dataset.height = Math.ceil(document.body.getBoundingClientRect().height);
}});
</script></body></html>
"""


# -- the screenshot --------------------------------------------------------------------


def chromium() -> str:
    """The Chromium binary, or a sentence saying how to install it."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if found := shutil.which(name):
            return found
    sys.exit("Chromium is not installed: on Debian, `apt-get install -y chromium`.")


def run_chromium(browser: str, page_file: Path, *flags: str) -> str:
    """Headless Chromium on `page_file` with a throwaway profile and no network."""
    with tempfile.TemporaryDirectory() as profile:
        command = [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            "--virtual-time-budget=5000",  # fonts load before the page is measured or shot
            *flags,
            page_file.as_uri(),
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        sys.exit(f"Chromium failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    return done.stdout


def screenshot(document: str, out: Path) -> None:
    """Lay the page out in Chromium, measure its height, and shoot exactly that."""
    browser = chromium()
    with tempfile.TemporaryDirectory() as folder:
        page_file = Path(folder) / "answer.html"
        page_file.write_text(document, encoding="utf-8")
        size = f"--window-size={WIDTH},2000"
        dom = run_chromium(browser, page_file, size, "--dump-dom")
        found = re.search(r'data-height="(\d+)"', dom)
        if not found:
            sys.exit("Chromium did not lay the page out (no height measured).")
        height = int(found[1])
        run_chromium(
            browser,
            page_file,
            f"--window-size={WIDTH},{height}",
            f"--force-device-scale-factor={SCALE}",
            f"--screenshot={out.resolve()}",
        )
    if not out.is_file():
        sys.exit(f"Chromium wrote no screenshot to {out}.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "answer.png")
    parser.add_argument("--html", type=Path, help="also write the HTML page here")
    args = parser.parse_args()
    if not FONTS.is_dir():
        print("simcord's Noto Sans files are missing; Chromium's sans-serif stands in.")
    document = page(asyncio.run(ask(QUESTION)))
    if args.html:
        args.html.write_text(document, encoding="utf-8")
    screenshot(document, args.out)
    print(f"Wrote {args.out} ({WIDTH * SCALE} pixels wide).")


if __name__ == "__main__":
    main()
