"""deploy/: the compose file parses and its references hold (Docker itself cannot run here)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from rag.settings import Settings

yaml = pytest.importorskip("yaml")
DEPLOY = Path(__file__).resolve().parents[1] / "deploy"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_services_and_their_references(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert {"etcd", "minio", "standalone", "indexer", "rag1", "rag2", "proxy"} <= set(services)
    for name, svc in services.items():
        deps = svc.get("depends_on") or []
        for dep in deps if isinstance(deps, list) else deps.keys():
            assert dep in services, f"{name} depends on unknown {dep}"
        assert svc.get("image") or svc.get("build"), name
    for name in ("rag1", "rag2", "indexer"):  # the YAML anchor merged in
        env = services[name]["environment"]
        assert env["RAG_STORE"] == "milvus"
        assert env["RAG_MILVUS_URI"] == "http://standalone:19530"
        assert services[name]["build"]["dockerfile"] == "deploy/Dockerfile"
    assert services["indexer"]["entrypoint"] == ["rag", "index"]
    assert services["rag1"]["command"] == services["rag2"]["command"] == ["rag", "serve"]
    standalone = services["standalone"]["environment"]
    assert standalone["ETCD_ENDPOINTS"] == "etcd:2379"
    assert standalone["MINIO_ADDRESS"] == "minio:9000"


def test_every_rag_variable_is_a_setting(compose: dict[str, Any]) -> None:
    fields = set(Settings.model_fields)
    for svc in compose["services"].values():
        for key in svc.get("environment") or {}:
            if key.startswith("RAG_"):
                assert key[4:].lower() in fields, key


def test_the_proxy_points_at_the_replicas(compose: dict[str, Any]) -> None:
    conf = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    upstream = re.findall(r"server\s+([\w-]+):(\d+)", conf)
    services = compose["services"]
    assert sorted(h for h, _ in upstream) == ["rag1", "rag2"]
    for host, port in upstream:
        assert services[host]["environment"]["RAG_PORT"] == port
    mount = services["proxy"]["volumes"][0].split(":")[0]
    assert (DEPLOY / mount).resolve() == (DEPLOY / "nginx.conf").resolve()
    assert "proxy_buffering off" in conf  # /ask/stream is server-sent events


def test_the_dockerfile_copies_what_exists() -> None:
    root = DEPLOY.parent
    copies = [line.split()[1:-1] for line in
              (DEPLOY / "Dockerfile").read_text(encoding="utf-8").splitlines()
              if line.startswith("COPY ")]
    assert copies
    for sources in copies:
        for src in sources:
            assert (root / src).exists(), src
