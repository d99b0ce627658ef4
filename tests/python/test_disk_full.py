"""A full disk (the data dir on a small tmpfs): every call answers the family's 503
(ServiceUnavailable) instead of a 500, nothing acknowledged is lost, no temporary object file is
left behind, and the next call after space is freed succeeds."""

import os
import subprocess
import tempfile

import pytest
from botocore.exceptions import ClientError

from conftest import Server

MIB = 1024 * 1024


@pytest.fixture
def small_disk():
    mount = tempfile.mkdtemp(prefix="trailroom-full-")
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", mount],
                            capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {result.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", mount], check=False)
        os.rmdir(mount)


def failure_of(call):
    """(error code, HTTP status) of `call` if it fails, None if it succeeds."""
    try:
        call()
    except ClientError as err:
        return err.response["Error"]["Code"], err.response["ResponseMetadata"]["HTTPStatusCode"]
    return None


def test_a_full_disk_answers_503_and_recovers(small_disk):
    srv = Server(os.path.join(small_disk, "data")).start()
    try:
        s3, sts = srv.client("s3"), srv.client("sts")
        a4b = srv.client("alexaforbusiness")
        s3.create_bucket(Bucket="fill")
        filler = os.path.join(small_disk, "filler")
        free = os.statvfs(small_disk).f_bavail * os.statvfs(small_disk).f_frsize
        with open(filler, "wb") as f:
            f.write(b"\0" * max(free - 6 * MIB, 0))
        stored, failures = [], []
        for i in range(60):
            key = f"o{i}"
            failure = failure_of(lambda: s3.put_object(Bucket="fill", Key=key, Body=os.urandom(512 * 1024)))
            if failure is None:
                stored.append(key)
            else:
                failures.append(failure)
                if len(failures) >= 3:
                    break
        assert failures, "the disk never filled"
        assert set(failures) <= {("ServiceUnavailable", 503)}, failures
        assert failure_of(lambda: sts.get_caller_identity()) in (None, ("ServiceUnavailable", 503))
        assert failure_of(lambda: a4b.create_skill_group(SkillGroupName="full")) in (
            None, ("ServiceUnavailableException", 503))
        tmp = os.path.join(small_disk, "data", "s3", ".tmp")
        assert not os.path.isdir(tmp) or os.listdir(tmp) == []
        os.remove(filler)
        assert sts.get_caller_identity()["Account"] == "123456789012"
        a4b.create_skill_group(SkillGroupName="after")
        for key in stored:
            assert len(s3.get_object(Bucket="fill", Key=key)["Body"].read()) == 512 * 1024
    finally:
        srv.stop()
