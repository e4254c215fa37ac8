"""The system packages PDF output needs (WeasyPrint's Pango and HarfBuzz, CJK fonts), installed where that
can be done without asking: on a Debian/Ubuntu machine, as root. Anyone else is told the one command to
run, and the program works without them (HTML always; PDF once they are there). Always exits 0.

    python tools/sysdeps.py            # the README's second command starts with this
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

PACKAGES = ["fontconfig", "libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0",
            "fonts-arphic-uming", "fonts-wqy-zenhei", "fonts-noto-cjk"]


def missing(packages: list[str]) -> list[str]:
    """The packages dpkg does not list as installed."""
    out = []
    for p in packages:
        res = subprocess.run(["dpkg-query", "-W", "-f=${Status}", p], capture_output=True, text=True)
        if "install ok installed" not in res.stdout:
            out.append(p)
    return out


def main() -> int:
    if not sys.platform.startswith("linux") or not shutil.which("apt-get") or not shutil.which("dpkg-query"):
        print("（PDF 所需的字体和库：见 README 的“安装”一节；HTML 文书无需它们）")
        return 0
    need = missing(PACKAGES)
    if not need:
        return 0
    if os.geteuid() != 0:
        print("PDF 文书还需要系统软件包，请以管理员身份运行：\n  sudo apt-get install -y " + " ".join(need))
        return 0
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], env=env)
    res = subprocess.run(["apt-get", "install", "-y", "-qq", *need], env=env, stdout=subprocess.DEVNULL)
    if res.returncode != 0:
        print("警告：未能安装 " + " ".join(need) + "；PDF 测试将跳过或使用替代字体")
    return 0


if __name__ == "__main__":
    sys.exit(main())
