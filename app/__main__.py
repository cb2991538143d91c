"""Command line: python -m app <command>."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from app.config import get_settings
from app.principal import SYSTEM

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker


def _factory() -> sessionmaker[Session]:
    from app.db import make_engine, make_session_factory

    return make_session_factory(make_engine(get_settings().effective_database_url))


def cmd_migrate(args: argparse.Namespace) -> int:
    from app.services import system

    url = get_settings().effective_database_url
    if args.revision.startswith("-") or args.down:
        system.downgrade(url, args.revision if not args.down else args.down)
    else:
        system.migrate(url, args.revision)
    print("数据库已迁移到", args.down or args.revision)
    return 0


def cmd_create_user(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from app.db import session_scope
    from app.models.unit import Unit
    from app.models.user import Role
    from app.schemas.users import UserCreate
    from app.services import users

    password = args.password or os.environ.get("INITIAL_PASSWORD") or getpass.getpass("初始密码: ")
    for db in session_scope(_factory()):
        db.info["principal"] = SYSTEM
        unit = db.execute(select(Unit).where(Unit.name == args.unit)).scalar_one_or_none()
        if unit is None and args.create_unit:
            from app.models.unit import UnitKind

            unit = Unit(
                name=args.unit,
                kind=UnitKind.department if args.role == "coordinator" else UnitKind.jurisdiction,
                tier=1 if args.role == "coordinator" else None,
            )
            db.add(unit)
            db.flush()
        if unit is None:
            print(f"找不到单位：{args.unit}（加 --create-unit 可新建）", file=sys.stderr)
            return 2
        user = users.create(
            db,
            SYSTEM,
            UserCreate(
                username=args.username,
                display_name=args.name or args.username,
                unit_id=unit.id,
                role=Role(args.role),
                initial_password=password,
            ),
            get_settings(),
        )
        print(f"已创建用户 {user.username}（{Role(args.role).label}），首次登录须修改密码")
    return 0


def cmd_create_token(args: argparse.Namespace) -> int:
    from pydantic import ValidationError
    from sqlalchemy import select

    from app.db import session_scope
    from app.errors import Invalid
    from app.models.unit import Unit
    from app.schemas.users import TokenCreate
    from app.services import users

    for db in session_scope(_factory()):
        db.info["principal"] = SYSTEM
        unit_id = None
        if args.unit:
            unit = db.execute(select(Unit).where(Unit.name == args.unit)).scalar_one_or_none()
            if unit is None:
                print(f"找不到单位：{args.unit}", file=sys.stderr)
                return 2
            unit_id = unit.id
        data: dict[str, object] = {
            "name": args.name,
            "unit_id": unit_id,
            "read_only": args.read_only,
            "expires_days": args.days,
        }
        if args.role:
            data["role"] = args.role
        if args.scopes:
            data["scopes"] = args.scopes.replace(",", " ").split()
        try:
            issued = users.create_token(db, SYSTEM, TokenCreate.model_validate(data))
        except (Invalid, ValidationError) as exc:
            print(f"不能签发：{exc}", file=sys.stderr)
            return 2
        print(issued.secret)
    return 0


def cmd_demo_data(args: argparse.Namespace) -> int:
    from app.db import session_scope
    from app.services import demo

    if get_settings().is_production:
        print("生产模式下不能加载演示数据", file=sys.stderr)
        return 2
    for db in session_scope(_factory()):
        db.info["principal"] = SYSTEM
        created = demo.load(db)
    print("演示数据已加载" if created else "演示数据已存在，未重复加载")
    return 0


def cmd_verify_audit(args: argparse.Namespace) -> int:
    from app.db import session_scope
    from app.services import audit

    for db in session_scope(_factory(), write=False):
        result = audit.verify_chain(db, args.since)
    if result.ok:
        print(f"审计链完整：{result.checked} 条")
        if args.since:
            print(f"延续了先前的摘要 {args.since}")
        print(result.digest)
        return 0
    print(f"审计链异常：第 {result.broken_seq} 条 — {result.problem}", file=sys.stderr)
    print(f"此前最后完整的摘要：{result.digest}", file=sys.stderr)
    return 1


def cmd_prune_audit(args: argparse.Namespace) -> int:
    from app.db import session_scope
    from app.services import audit

    settings = get_settings()
    for db in session_scope(_factory()):
        removed = audit.prune(db, settings.audit_retention_days)
    print(f"已清理 {removed} 条超过 {settings.audit_retention_days} 天的审计记录（校验起点已记录）")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from app.services import system

    settings = get_settings()
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    target = Path(args.output) if args.output else settings.data_dir / "backups" / f"zhaoshang-{stamp}.db"
    try:
        result = system.backup_sqlite(settings.effective_database_url, target, method=args.method)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # the partial copy is already removed
        print("备份已中断，未留下不完整的文件", file=sys.stderr)
        return 130
    print(f"备份已写入 {result.path}")
    print(f"大小 {result.size} 字节（{result.size / 1048576:.1f} MiB），用时 {result.seconds:.2f} 秒")
    print(f"SHA-256 {result.sha256}")
    return 0


def cmd_housekeeping(args: argparse.Namespace) -> int:
    from datetime import timedelta

    from app.db import session_scope
    from app.services import auth, files, idempotency

    settings = get_settings()
    for db in session_scope(_factory()):
        auth.purge_expired(db, settings)
        removed = idempotency.purge(db, settings.idempotency_ttl_hours)
    print(f"已清理过期会话、登录失败记录和 {removed} 条幂等记录")
    grace = timedelta(hours=settings.orphan_file_grace_hours)
    for db in session_scope(_factory(), write=False):
        orphans = files.remove_orphans(db, settings.files_dir, grace=grace)
    for key in orphans.keys:
        print(f"  删除无引用文件 {key}")
    print(
        f"已删除 {len(orphans.keys)} 个无记录引用、超过 {settings.orphan_file_grace_hours} 小时的文件"
        f"（{orphans.total_bytes / 1_048_576:.1f} MB）"
    )
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    from app.services import worker

    totals = worker.run(
        _factory(), name=args.name, once=args.once, max_seconds=args.max_seconds, escalation_every=args.escalation_every
    )
    print(
        f"投递尝试 {totals['delivered_attempts']} 次，升级逾期问题 {totals['escalated']} 件，"
        f"发出黄牌线与报告提醒 {totals['watched']} 条"
    )
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings = get_settings()
    if settings.is_production and settings.production_problems():
        print("拒绝以生产模式启动：" + "；".join(settings.production_problems()), file=sys.stderr)
        return 2
    uvicorn.run(
        "app.main:app",
        lifespan="on",  # a failed startup (e.g. demo accounts in production) stops the server
        host=args.host,
        port=args.port,
        workers=args.workers,
        # X-Forwarded-For is read by the application itself, from settings.forwarded_allow_ips (the same
        # FORWARDED_ALLOW_IPS): once, so that a trusted client's own header is never read a second time
        proxy_headers=False,
        log_level="info",
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app", description="招商引资工作平台")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("migrate", help="把数据库迁移到最新（或指定）版本")
    p.add_argument("revision", nargs="?", default="head")
    p.add_argument("--down", help="回退到指定版本（如 base）")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("create-user", help="创建用户（初始密码首次登录须修改）")
    p.add_argument("username")
    p.add_argument("--name")
    p.add_argument("--unit", required=True, help="单位全称")
    p.add_argument("--create-unit", action="store_true")
    p.add_argument("--role", choices=["coordinator", "unit_staff", "leader", "supervisor"], default="unit_staff")
    p.add_argument("--password", help="初始密码（也可用 INITIAL_PASSWORD 环境变量，或交互输入）")
    p.set_defaults(func=cmd_create_user)

    p = sub.add_parser("create-token", help="签发系统令牌（只显示一次）")
    p.add_argument("name")
    p.add_argument("--unit", help="限定单位全称（unit_staff 必填；coordinator 为招商局）")
    p.add_argument(
        "--role", choices=["unit_staff", "coordinator", "reader"], help="令牌角色；默认有单位为 unit_staff，否则 reader"
    )
    p.add_argument("--scopes", help="权限范围，逗号或空格分隔，如 read,leads,projects；默认按角色")
    p.add_argument("--read-only", action="store_true")
    p.add_argument("--days", type=int, default=365)
    p.set_defaults(func=cmd_create_token)

    p = sub.add_parser("demo-data", help="加载演示县的数据（仅开发模式）")
    p.set_defaults(func=cmd_demo_data)

    p = sub.add_parser("verify-audit", help="校验审计哈希链，打印当前摘要")
    p.add_argument("--since", help="先前导出的摘要（序号:哈希），校验链仍延续它")
    p.set_defaults(func=cmd_verify_audit)

    p = sub.add_parser("prune-audit", help="清理超过保留期的审计记录（保留期至少 185 天）")
    p.set_defaults(func=cmd_prune_audit)

    p = sub.add_parser("backup", help="在线备份 SQLite 数据库")
    p.add_argument("--output", help="备份文件路径")
    p.add_argument(
        "--method",
        choices=["backup", "vacuum"],
        default="backup",
        help="backup：在线备份接口一次复制全部页（默认）；vacuum：VACUUM INTO，写出压缩后的副本，较慢",
    )
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("housekeeping", help="清理过期会话、幂等记录与无记录引用的上传文件（可每小时运行）")
    p.set_defaults(func=cmd_housekeeping)

    p = sub.add_parser("worker", help="后台任务：逾期问题自动升级、Webhook 投递（可多进程并行）")
    p.add_argument("--once", action="store_true", help="处理一轮后退出")
    p.add_argument("--name", help="工作进程名称（默认 主机名:进程号）")
    p.add_argument("--max-seconds", type=float, default=None, help="运行多少秒后退出")
    p.add_argument("--escalation-every", type=float, default=300.0, help="每隔多少秒检查逾期升级、黄牌线与报告期限")
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("serve", help="启动服务")
    p.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    p.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    p.add_argument("--workers", type=int, default=int(os.environ.get("WORKERS", "1")))
    p.set_defaults(func=cmd_serve)

    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
