"""Fill in deploy/nginx/humdash.conf (and, with --standalone, a whole nginx configuration around it).

    python deploy/nginx/render.py --listen 80 --upstream 127.0.0.1:8050 --upstream 127.0.0.1:8051 \\
        -o /etc/nginx/conf.d/humdash.conf
    python deploy/nginx/render.py --standalone /tmp/humdash-nginx --listen 127.0.0.1:8080 --upstream 127.0.0.1:8050
    nginx -p /tmp/humdash-nginx -c nginx.conf -e /tmp/humdash-nginx/error.log -g 'daemon off;'
"""
from __future__ import annotations

import argparse
import os
import pwd
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
_DURATION = re.compile(r"^[0-9]+(ms|s|m)?$")
_ADDRESS = re.compile(r"^(unix:/\S+|[A-Za-z0-9.\[\]:-]+)$")


def render(listen: str, upstreams: list[str], *, conn_per_ip: int = 32, header_timeout: str = "10s",
           read_timeout: str = "60s", fail_timeout: str = "10s", cache_path: str = "/var/cache/nginx/humdash") -> str:
    """humdash.conf with its fields filled in."""
    if not upstreams:
        raise ValueError("at least one --upstream host:port")
    for value in (listen, *upstreams):
        if not _ADDRESS.match(value):
            raise ValueError(f"not an address: {value!r}")
    for value in (header_timeout, read_timeout, fail_timeout):
        if not _DURATION.match(value):
            raise ValueError(f"not an nginx duration: {value!r} (e.g. 10s)")
    if not cache_path.startswith("/") or any(c.isspace() or c in ";{}'\"" for c in cache_path):
        raise ValueError(f"--cache-path must be an absolute path without spaces: {cache_path!r}")
    if conn_per_ip < 1:
        raise ValueError("--conn-per-ip must be at least 1")
    servers = "\n".join(f"    server {u} max_fails=1 fail_timeout={fail_timeout};" for u in upstreams)
    fields = {"upstream_servers": servers, "listen": listen, "conn_per_ip": str(conn_per_ip),
              "header_timeout": header_timeout, "read_timeout": read_timeout, "cache_path": cache_path}
    text = (HERE / "humdash.conf").read_text(encoding="utf-8")
    for key, value in fields.items():
        text = text.replace("{{" + key + "}}", value)
    left = re.findall(r"\{\{\w+\}\}", text)
    if left:
        raise ValueError(f"template fields not filled in: {left}")
    return text


def standalone(prefix: Path, site: str, workers: int = 1) -> Path:
    """Write PREFIX/nginx.conf (around PREFIX/humdash.conf) and the temp folders; returns nginx.conf."""
    prefix.mkdir(parents=True, exist_ok=True)
    for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (prefix / "temp" / sub).mkdir(parents=True, exist_ok=True)
    # As root nginx's workers would run as `nobody` and could not use a private temp folder: keep root's.
    user = f"user {pwd.getpwuid(os.geteuid()).pw_name};" if os.geteuid() == 0 else ""
    main = (HERE / "standalone.conf").read_text(encoding="utf-8")
    main = main.replace("{{user}}", user).replace("{{workers}}", str(workers))
    (prefix / "humdash.conf").write_text(site, encoding="utf-8")
    conf = prefix / "nginx.conf"
    conf.write_text(main, encoding="utf-8")
    return conf


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--listen", required=True, help="address nginx listens on: 80, 127.0.0.1:8080, …")
    parser.add_argument("--upstream", action="append", required=True,
                        help="a gunicorn host:port (repeat: requests go round the list; a failing one is skipped)")
    parser.add_argument("--conn-per-ip", type=int, default=32, help="connections at once per client address (32)")
    parser.add_argument("--header-timeout", default="10s", help="client_header_timeout and client_body_timeout")
    parser.add_argument("--read-timeout", default="60s", help="proxy_read_timeout: longest answer from gunicorn")
    parser.add_argument("--cache-path", help="proxy_cache_path folder (default /var/cache/nginx/humdash; "
                                             "with --standalone DIR: DIR/cache)")
    parser.add_argument("-o", "--output", help="write humdash.conf here (default: standard output)")
    parser.add_argument("--standalone", metavar="DIR", help="write DIR/nginx.conf + DIR/humdash.conf")
    args = parser.parse_args(argv)
    try:
        cache = args.cache_path or (str(Path(args.standalone).resolve() / "cache") if args.standalone
                                    else "/var/cache/nginx/humdash")
        site = render(args.listen, args.upstream, conn_per_ip=args.conn_per_ip,
                      header_timeout=args.header_timeout, read_timeout=args.read_timeout, cache_path=cache)
    except ValueError as exc:
        parser.error(str(exc))
    if args.standalone:
        print(standalone(Path(args.standalone), site))
    elif args.output:
        Path(args.output).write_text(site, encoding="utf-8")
    else:
        sys.stdout.write(site)
    return 0


if __name__ == "__main__":
    sys.exit(main())
