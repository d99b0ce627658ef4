"""Durability: kill the server (SIGKILL) in the middle of a write burst, restart it, and every
acknowledged call is still there, with its event."""

import json
import threading
import time

from botocore.exceptions import ClientError, EndpointConnectionError, ConnectionClosedError

from conftest import Server


def test_kill_during_write_burst_loses_nothing_acknowledged(tmp_path):
    srv = Server(str(tmp_path)).start()
    a4b = srv.client("alexaforbusiness")
    a4b.create_profile(ProfileName="P", Timezone="UTC", Address="a", DistanceUnit="METRIC",
                       TemperatureUnit="CELSIUS", WakeWord="ALEXA")
    acked = []
    lock = threading.Lock()
    stop = threading.Event()

    def writer(worker):
        client = srv.client("alexaforbusiness")
        i = 0
        while not stop.is_set():
            try:
                out = client.create_room(RoomName=f"w{worker}-{i}")
            except (ClientError, EndpointConnectionError, ConnectionClosedError, Exception):
                return
            with lock:
                acked.append((out["RoomArn"], out["ResponseMetadata"]["RequestId"]))
            i += 1

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    time.sleep(1.5)
    srv.kill()
    stop.set()
    for t in threads:
        t.join(timeout=30)
    assert len(acked) > 20, "the burst should have acknowledged some writes before the kill"

    srv.start()
    try:
        a4b = srv.client("alexaforbusiness")
        for arn, _ in acked:
            assert a4b.get_room(RoomArn=arn)["Room"]["RoomArn"] == arn
        ct = srv.client("cloudtrail")
        recorded = set()
        pages = ct.get_paginator("lookup_events").paginate(
            LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "CreateRoom"}])
        for page in pages:
            for event in page["Events"]:
                recorded.add(json.loads(event["CloudTrailEvent"])["requestID"])
        missing = [rid for _, rid in acked if rid not in recorded]
        assert missing == []
    finally:
        srv.stop()
