"""`python main.py gui`: open the explorer window (optionally screenshot and quit)."""
from __future__ import annotations

import argparse


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "gui",
        help="open the desktop explorer / 打开桌面地图浏览器",
        description="Open the desktop explorer window.",
    )
    parser.add_argument("--screenshot", metavar="PATH", help="save a PNG of the window after the first render, then quit")
    parser.add_argument("--lang", choices=("zh", "en"), help="UI language (default: last used, else system locale)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import sys

    from explorer.app import run_app

    return run_app(sys.argv[:1], screenshot=args.screenshot, language=args.lang)
