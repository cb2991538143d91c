"""Settings from the environment. Production refuses to start with unsafe defaults."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET = "dev-only-secret-change-me"
BASE_DIR = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    app_env: Literal["development", "production", "test"] = "development"
    data_dir: Path = BASE_DIR / "data"
    database_url: str = ""
    secret_key: str = DEFAULT_SECRET

    # Sign-in and sessions
    session_cookie_name: str = "zs_session"
    cookie_secure: bool = False  # always Secure; otherwise Secure whenever the request came over https
    session_idle_minutes: int = 30
    session_absolute_hours: int = 12
    lockout_threshold: int = 5
    lockout_minutes: int = 15
    throttle_per_address: int = 20  # failed sign-ins from one address within throttle_window_minutes
    throttle_window_minutes: int = 15
    # coordinators, leaders, supervisors: on unless set; off by default only in development (the demo)
    mfa_required_for_privileged_setting: bool | None = Field(default=None, alias="mfa_required_for_privileged")
    mfa_required_for_all: bool = False

    # Password policy (defaults follow GB/T 22239-2019 level 3 practice)
    password_min_length: int = 8
    password_min_classes: int = Field(default=3, ge=1, le=4)
    password_max_age_days: int = 90  # 0 disables expiry

    # Audit
    audit_retention_days: int = Field(default=185, ge=185)

    # Requests
    # proxies whose X-Forwarded-For (and -Proto) is believed: the client address the audit records
    # and sign-in throttling counts by (app.deps.client_addr) comes from it only when the connecting
    # peer is one of these (comma-separated addresses or networks, * for any); otherwise it is the peer
    forwarded_allow_ips: str = "127.0.0.1"
    max_body_bytes: int = 1_048_576
    # requests that use the database at once in each process (the rest wait their turn cheaply
    # in the event loop): a database round trip is short, and more threads only queue for the
    # interpreter lock (measured: 2 gives the highest throughput and the shortest tail). Endpoints
    # marked long-running (imports, exports, bulletins) have slots of their own, so that they
    # never keep the short requests waiting. The thread pool and the connection pool are larger
    # than both together: a request holding a slot never waits for a thread or a connection.
    database_slots: int = Field(default=2, ge=1, le=50)
    long_request_slots: int = Field(default=2, ge=1, le=50)
    max_upload_body_bytes: int = 41_943_040  # multipart bodies: several 10 MB photos
    idempotency_ttl_hours: int = Field(default=48, ge=24)
    api_max_page_size: int = 200
    max_file_bytes: int = 10 * 1024 * 1024  # each uploaded evidence file
    photo_max_side: int = 1600  # photos are resized on the server to at most this many pixels
    files_dir_setting: Path | None = Field(default=None, alias="files_dir")  # default: DATA_DIR/files
    # housekeeping removes a stored file no row names once it is this old (a request storing it is long over)
    orphan_file_grace_hours: int = Field(default=24, ge=1)

    # Events: the address people open the platform at (https://zs.example.gov.cn), for the links in group
    # robots' messages (empty: the messages carry no link); the hosts a group robot's webhook may point at
    # (comma-separated; * for any): DingTalk's and WeCom's by default, so a unit cannot aim the worker elsewhere
    public_base_url: str = ""
    robot_hosts: str = "oapi.dingtalk.com,qyapi.weixin.qq.com"
    # Open311 GeoReport v2 (/open311/v2): the one jurisdiction it serves, as clients name it in
    # jurisdiction_id (the county's administrative division code, 行政区划代码, or its website's
    # domain), and who to ask about it, in the discovery document (/open311/discovery.xml)
    open311_jurisdiction_id: str = Field(default="000000", min_length=1, max_length=100)
    open311_contact: str = "请联系县招商局的平台管理员（“系统令牌”页面签发令牌的人）"

    # The map (招商地图): a tile service is optional. Without one the map draws the coordinator's boundaries
    # alone and asks nothing of any server but this one. MAP_TILE_URL: a template with {z}, {x}, {y} (and
    # {key}, filled from MAP_TILE_KEY; {s} for the subdomains of MAP_TILE_SUBDOMAINS), e.g. an intranet
    # 天地图; MAP_TILE_CRS: its coordinates, wgs84 (also CGCS2000, as 天地图) or gcj02 (高德, 腾讯)
    map_tile_url: str = ""
    map_tile_key: str = ""
    map_tile_subdomains: str = ""
    map_tile_crs: Literal["wgs84", "gcj02"] = "wgs84"
    map_tile_attribution: str = ""

    @property
    def map_crs(self) -> str:
        """The coordinates the map is drawn in: the tile service's, or WGS-84 without one."""
        return self.map_tile_crs if self.map_tile_url else "wgs84"

    # Assets: local by default; a deployment may point htmx at a CDN with an SRI hash
    htmx_url: str = "/static/htmx-2.0.11.min.js"
    htmx_integrity: str = ""

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'zhaoshang.db'}"

    @property
    def mfa_required_for_privileged(self) -> bool:
        if self.mfa_required_for_privileged_setting is not None:
            return self.mfa_required_for_privileged_setting
        return self.app_env != "development"

    @property
    def files_dir(self) -> Path:
        return self.files_dir_setting or self.data_dir / "files"

    @property
    def is_production(self) -> bool:
        return self.app_env == "production"

    def production_problems(self) -> list[str]:
        """What makes these settings unsafe to run in production."""
        problems: list[str] = []
        if self.secret_key == DEFAULT_SECRET or len(self.secret_key) < 32:
            problems.append("SECRET_KEY is the default or shorter than 32 characters")
        if not self.mfa_required_for_privileged:
            problems.append("MFA_REQUIRED_FOR_PRIVILEGED is off")
        return problems


@lru_cache
def get_settings() -> Settings:
    return Settings()
