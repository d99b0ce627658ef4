"""The README's AWS CLI walkthrough, run exactly as written (endpoint and data dir swapped in)."""

import json
import os
import re
import subprocess

from conftest import Server

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def walkthrough():
    readme = open(os.path.join(ROOT, "README.md")).read()
    block = readme.split("<!-- walkthrough:start")[1].split("<!-- walkthrough:end -->")[0]
    return re.search(r"```sh\n(.*?)```", block, re.S).group(1)



def readme_script(*names, endpoint):
    """The shell of the README's `<name>-walkthrough` blocks, in order, aimed at `endpoint`."""
    readme = open(os.path.join(ROOT, "README.md")).read()
    blocks = [readme.split(f"<!-- {name}-walkthrough:start")[1].split(f"<!-- {name}-walkthrough:end -->")[0]
              for name in names]
    script = "\n".join(re.search(r"```sh\n(.*?)```", block, re.S).group(1) for block in blocks)
    return script.replace("http://127.0.0.1:4570", endpoint)


def run_script(script, venv, timeout, cwd=None):
    """Runs `script` under `bash -euo pipefail` with `venv`'s AWS CLI first on PATH; asserts it
    succeeds and returns the result."""
    venv_bin = os.path.join(ROOT, venv, "bin")
    env = {**os.environ, "PATH": f"{venv_bin}:{os.environ['PATH']}"}
    result = subprocess.run(["bash", "-euo", "pipefail", "-c", script], capture_output=True, text=True,
                            env=env, timeout=timeout, cwd=cwd)
    assert result.returncode == 0, result.stderr + result.stdout
    return result

def test_readme_walkthrough_runs(tmp_path):
    srv = Server(str(tmp_path / "data")).start()
    try:
        script = walkthrough()
        script = script.replace("ENDPOINT=http://127.0.0.1:4570", f"ENDPOINT={srv.endpoint}")
        script = script.replace("DATA=data ", f"DATA={srv.data_dir} ")
        binary = os.path.abspath(os.environ.get("TRAILROOM_BIN", "target/debug/trailroom"))
        venv_bin = os.path.join(ROOT, ".venv-clients", "bin")
        env = {**os.environ, "PATH": f"{os.path.dirname(binary)}:{venv_bin}:{os.environ['PATH']}"}
        # Twice: the walkthrough starts with a reset, so it runs again on the same server.
        for _ in range(2):
            result = subprocess.run(["bash", "-euo", "pipefail", "-c", script], capture_output=True, text=True,
                                    env=env, timeout=300)
            assert result.returncode == 0, result.stderr + result.stdout
        out = result.stdout
        assert '"Arn": "arn:aws:iam::123456789012:root"' in out
        assert '"RoomName": "Lobby"' in out
        assert '"DeviceName": "Lobby Echo"' in out
        assert '"EventName": "CreateRoom"' in out
        assert "AssociateDeviceWithRoom" in out
    finally:
        srv.stop()


def trails_walkthrough():
    readme = open(os.path.join(ROOT, "README.md")).read()
    block = readme.split("<!-- trails-walkthrough:start")[1].split("<!-- trails-walkthrough:end -->")[0]
    return re.search(r"```sh\n(.*?)```", block, re.S).group(1)


def test_readme_trails_walkthrough_runs(tmp_path):
    srv = Server(str(tmp_path / "data"), ["--delivery-interval", "2s", "--digest-interval", "10s"]).start()
    try:
        script = trails_walkthrough()
        script = script.replace("ENDPOINT=http://127.0.0.1:4570", f"ENDPOINT={srv.endpoint}")
        script = script.replace("sleep 45", "sleep 25")
        venv_bin = os.path.join(ROOT, ".venv-clients", "bin")
        env = {**os.environ, "PATH": f"{venv_bin}:{os.environ['PATH']}"}
        result = subprocess.run(["bash", "-euo", "pipefail", "-c", script], capture_output=True, text=True,
                                env=env, timeout=300, cwd=str(tmp_path))
        assert result.returncode == 0, result.stderr + result.stdout
        out = result.stdout
        assert "AWSLogs/123456789012/CloudTrail/us-east-1/" in out
        assert "CloudTrail-Digest/us-east-1/" in out
        assert '"Records": [' in out and '"eventVersion": "1.10"' in out
        assert "digest files valid" in out and "INVALID" not in out + result.stderr
    finally:
        srv.stop()


def test_readme_authorization_walkthrough_runs(tmp_path):
    srv = Server(str(tmp_path / "data")).start()
    try:
        result = run_script(readme_script("authz", endpoint=srv.endpoint), ".venv-clients", timeout=300)
        assert "denied, as expected" in result.stdout
        assert "because no identity-based policy allows the cloudtrail:DescribeTrails action" in result.stderr
        assert '"errorCode":"AccessDeniedException"' in result.stdout
        assert '"trailList": []' in result.stdout
    finally:
        srv.stop()


def test_readme_federation_walkthrough_runs(tmp_path):
    data_dir = tmp_path / "data"
    srv = Server(str(data_dir)).start()
    try:
        readme = open(os.path.join(ROOT, "README.md")).read()
        block = readme.split("<!-- federation-walkthrough:start")[1].split("<!-- federation-walkthrough:end -->")[0]
        script = re.search(r"```sh\n(.*?)```", block, re.S).group(1)
        script = script.replace("http://127.0.0.1:4570", srv.endpoint).replace("DATA=data", f"DATA={data_dir}")
        venv_bin = os.path.join(ROOT, ".venv-clients", "bin")
        binary_dir = os.path.dirname(os.path.abspath(os.environ.get("TRAILROOM_BIN", "target/debug/trailroom")))
        env = {**os.environ, "PATH": f"{binary_dir}:{venv_bin}:{os.environ['PATH']}"}
        result = subprocess.run(["bash", "-euo", "pipefail", "-c", script], capture_output=True, text=True,
                                env=env, timeout=300)
        assert result.returncode == 0, result.stderr + result.stdout
        assert "assumed-role/deploy-" in result.stdout and "/run-1" in result.stdout
        assert "refused, as expected" in result.stdout
        assert "Not authorized to perform sts:AssumeRoleWithWebIdentity" in result.stderr
        assert '"errorCode":"AccessDenied"' in result.stdout
        assert '"userName":"repo:octo-org/app:ref:refs/heads/main"' in result.stdout
    finally:
        srv.stop()


def test_readme_lake_walkthrough_runs(tmp_path):
    srv = Server(str(tmp_path / "data")).start()
    try:
        result = run_script(readme_script("lake", endpoint=srv.endpoint), ".venv-clients", timeout=120)
        answer = json.loads(result.stdout[result.stdout.index('{\n    "QueryStatus"'):])
        assert answer["QueryStatus"] == "FINISHED"
        rows = [{k: v for cell in row for k, v in cell.items()} for row in answer["QueryResultRows"]]
        assert {"eventName": "CreateBucket", "arn": "arn:aws:iam::123456789012:root", "calls": "1"} in rows
    finally:
        srv.stop()


def test_readme_dashboards_walkthrough_runs(tmp_path):
    """The dashboards block, after the Lake block, with a current AWS CLI (the pinned one
    predates dashboards), in a scratch directory for its widgets.json."""
    srv = Server(str(tmp_path / "data")).start()
    try:
        script = readme_script("lake", "dashboards", endpoint=srv.endpoint)
        result = run_script(script, ".venv-awscli", timeout=120, cwd=tmp_path)
        assert '"DashboardArn": "arn:aws:cloudtrail:us-east-1:123456789012:dashboard/ops"' in result.stdout
    finally:
        srv.stop()
