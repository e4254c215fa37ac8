"""The font fallback chains of the documents: the Windows names first (every Chinese Windows has 仿宋, 宋体 and
黑体), then the macOS ones, then free fonts — a TrueType Song (AR PL UMing, Debian's fonts-arphic-uming), which
lays out and subsets faster than an OpenType/CFF one and makes PDFs about 5× smaller, then Noto CJK.

An office may set its own chains in aftercare.yaml:

    fonts:
      body: [仿宋_GB2312, FangSong]        # 正文 (仿宋)
      title: [方正小标宋简体, SimSun]      # 标题、发文机关标志 (小标宋)
      heading: [SimHei]                   # 小标题 (黑体)
      song: [SimSun]                      # 页码、表格 (宋体)

Names are checked (no quotes, braces or semicolons: they are written into the stylesheet).
"""

from __future__ import annotations

import re
import shutil
import subprocess

FANGSONG = ("FangSong", "仿宋", "FangSong_GB2312", "仿宋_GB2312", "STFangsong", "华文仿宋")
DEFAULT_CHAINS = {
    "body": FANGSONG + ("AR PL UMing CN", "Noto Serif CJK SC", "Source Han Serif SC", "SimSun", "宋体", "Songti SC"),
    "title": ("FZXiaoBiaoSong-B05S", "方正小标宋简体", "方正小标宋_GBK", "SimSun", "宋体", "STSong", "Songti SC",
              "AR PL UMing CN", "Noto Serif CJK SC", "Source Han Serif SC"),
    "heading": ("SimHei", "黑体", "STHeiti", "Heiti SC", "WenQuanYi Zen Hei", "Noto Sans CJK SC", "Source Han Sans SC"),
    "song": ("SimSun", "宋体", "STSong", "Songti SC", "AR PL UMing CN", "Noto Serif CJK SC", "Source Han Serif SC"),
}
GENERIC = {"body": "serif", "title": "serif", "heading": "sans-serif", "song": "serif"}
_BAD = re.compile(r"[\"'\\;{}<>\n\r]")


def chains(config: dict | None) -> dict[str, tuple]:
    """The chains in force: the office's (aftercare.yaml `fonts`) before the defaults."""
    out = {}
    own = config if isinstance(config, dict) else {}
    for role, default in DEFAULT_CHAINS.items():
        mine = own.get(role) or ()
        if isinstance(mine, str):
            mine = (mine,)
        names = [str(n).strip() for n in mine if str(n).strip() and not _BAD.search(str(n))]
        out[role] = tuple(dict.fromkeys(names + list(default)))
    return out


def css(chain: tuple, role: str) -> str:
    """A CSS font-family value."""
    return ", ".join(f'"{n}"' for n in chain) + ", " + GENERIC.get(role, "serif")


def installed_families() -> set[str] | None:
    """The font families fontconfig knows (what WeasyPrint's Pango uses), or None when that cannot be told."""
    if not shutil.which("fc-list"):
        return None
    try:
        out = subprocess.run(["fc-list", ":", "family"], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return {name.strip() for line in out.splitlines() for name in line.split(",") if name.strip()}


def body_font_note(chain: tuple, families: set[str] | None) -> str:
    """One Chinese line when no FangSong is installed: which font of the chain the body text uses instead."""
    if families is None:
        return ""
    found = next((n for n in chain if n in families), None)
    if found is None:
        return "未找到正文字体（仿宋 FangSong 及备选字体均未安装），PDF 将使用系统默认字体；请安装中文字体（见 README）"
    if found in FANGSONG:
        return ""
    return f"未安装仿宋字体（FangSong），正文改用“{found}”"
