"""Business report schedules through the pinned boto3: every operation with its errors, the
synthetic last report ListBusinessReportSchedules shows (S3 location or a fresh signed download
link, failures of a bucket), the report behind a link (admin surface), partial updates, the quota
and the paginator."""

import datetime

import pytest
from botocore.exceptions import ClientError

from conftest import ACCOUNT, admin, code, status


MISSING = f"arn:aws:a4b:us-east-1:{ACCOUNT}:schedule/{'0' * 32}/{'1' * 32}"
WEEK = {"Interval": "ONE_WEEK"}


def today():
    return datetime.datetime.now(datetime.timezone.utc).date()


def schedules(a4b):
    return {s["ScheduleArn"]: s for s in a4b.list_business_report_schedules()["BusinessReportSchedules"]}


def test_one_off_report_with_a_download_link(server, a4b):
    profile = a4b.create_profile(ProfileName="HQ", Timezone="UTC", Address="1 Main St", DistanceUnit="METRIC",
                                 TemperatureUnit="CELSIUS", WakeWord="ALEXA")["ProfileArn"]
    a4b.create_room(RoomName="Lobby", ProfileArn=profile)
    before = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=5)
    arn = a4b.create_business_report_schedule(ScheduleName="weekly", Format="CSV", ContentRange=WEEK,
                                              Tags=[{"Key": "k", "Value": "v"}])["ScheduleArn"]
    assert arn.startswith(f"arn:aws:a4b:us-east-1:{ACCOUNT}:schedule/")
    assert a4b.list_tags(Arn=arn)["Tags"] == [{"Key": "k", "Value": "v"}]
    listed = schedules(a4b)[arn]
    report = listed.pop("LastBusinessReport")
    assert listed == {"ScheduleArn": arn, "ScheduleName": "weekly", "Format": "CSV", "ContentRange": WEEK}
    assert report["Status"] == "SUCCEEDED" and "S3Location" not in report
    assert before <= report["DeliveryTime"] <= before + datetime.timedelta(minutes=1)
    url = report["DownloadUrl"]
    assert url.startswith(server.endpoint + "/a4b/reports/") and f"/{ACCOUNT}/" in url
    # The link itself downloads the CSV, with no credentials beyond its signature.
    import requests
    downloaded = requests.get(url)
    assert downloaded.status_code == 200 and downloaded.text.startswith("date,room_name,room_arn")
    assert requests.get(url.replace("Signature=", "Signature=0")).status_code == 403
    # A new link on every call [M].
    assert schedules(a4b)[arn]["LastBusinessReport"]["DownloadUrl"] != url
    content = admin(server, "get-business-report", DownloadUrl=url)
    yesterday = today() - datetime.timedelta(days=1)
    assert (content["FirstDay"], content["LastDay"]) == (str(yesterday - datetime.timedelta(days=6)), str(yesterday))
    assert content["FileName"] == f"usage_report_{yesterday}.csv"
    lines = content["Csv"].splitlines()
    assert lines[0] == "date,room_name,room_arn,announcements"
    assert len(lines) == 8 and all(",Lobby,arn:aws:a4b:" in line and line.endswith(",0") for line in lines[1:])
    assert admin(server, "get-business-report", ScheduleArn=arn)["Csv"] == content["Csv"]
    with pytest.raises(AssertionError) as err:
        admin(server, "get-business-report", DownloadUrl=url.replace("Signature=", "Signature=0"))
    assert "AccessDenied" in str(err.value)


def test_bucket_delivery_and_failures(server, a4b):
    start = str(today())
    arn = a4b.create_business_report_schedule(ScheduleName="daily", S3BucketName="reports-bucket",
                                              S3KeyPrefix="a4b/usage", Format="CSV_ZIP",
                                              ContentRange={"Interval": "ONE_DAY"},
                                              Recurrence={"StartDate": start})["ScheduleArn"]
    yesterday = today() - datetime.timedelta(days=1)
    report = schedules(a4b)[arn]["LastBusinessReport"]
    assert report["Status"] == "SUCCEEDED" and "DownloadUrl" not in report
    assert report["S3Location"] == {"BucketName": "reports-bucket",
                                    "Path": f"a4b/usage/daily/{yesterday}/usage_report_{yesterday}.zip"}
    admin(server, "set-report-bucket", BucketName="reports-bucket", State="NO_SUCH_BUCKET")
    report = schedules(a4b)[arn]["LastBusinessReport"]
    assert (report["Status"], report["FailureCode"]) == ("FAILED", "NO_SUCH_BUCKET") and "S3Location" not in report
    admin(server, "set-report-bucket", BucketName="reports-bucket", State="ACCESS_DENIED")
    assert schedules(a4b)[arn]["LastBusinessReport"]["FailureCode"] == "ACCESS_DENIED"
    admin(server, "set-report-bucket", BucketName="reports-bucket", State="AVAILABLE")
    assert schedules(a4b)[arn]["LastBusinessReport"]["Status"] == "SUCCEEDED"
    # A recurrence that starts tomorrow has delivered nothing yet.
    later = a4b.create_business_report_schedule(Format="CSV", ContentRange=WEEK,
                                                Recurrence={"StartDate": str(today() + datetime.timedelta(days=1))})
    assert "LastBusinessReport" not in schedules(a4b)[later["ScheduleArn"]]


def test_update_is_partial(a4b):
    arn = a4b.create_business_report_schedule(ScheduleName="s", S3BucketName="bucket-one", S3KeyPrefix="p",
                                              Format="CSV", ContentRange=WEEK,
                                              Recurrence={"StartDate": "2020-01-06"})["ScheduleArn"]
    a4b.update_business_report_schedule(ScheduleArn=arn, ScheduleName="renamed", Format="CSV_ZIP")
    listed = schedules(a4b)[arn]
    listed.pop("LastBusinessReport")
    assert listed == {"ScheduleArn": arn, "ScheduleName": "renamed", "S3BucketName": "bucket-one",
                      "S3KeyPrefix": "p", "Format": "CSV_ZIP", "ContentRange": WEEK,
                      "Recurrence": {"StartDate": "2020-01-06"}}
    a4b.update_business_report_schedule(ScheduleArn=arn, Recurrence={"StartDate": "2021-3-1"})
    assert schedules(a4b)[arn]["Recurrence"] == {"StartDate": "2021-3-1"}


def test_errors(a4b):
    with pytest.raises(ClientError) as err:
        a4b.create_business_report_schedule(Format="CSV", ContentRange=WEEK, Recurrence={"StartDate": "2023-02-30"})
    assert code(err) == "ValidationException" and status(err) == 400
    with pytest.raises(ClientError) as err:
        a4b.create_business_report_schedule(Format="CSV", ContentRange=WEEK, S3BucketName="Bad_Bucket!")
    assert code(err) == "ValidationException"
    arn = a4b.create_business_report_schedule(Format="CSV", ContentRange=WEEK,
                                              ClientRequestToken="schedule-token-1")["ScheduleArn"]
    again = a4b.create_business_report_schedule(Format="CSV", ContentRange=WEEK, ClientRequestToken="schedule-token-1")
    assert again["ScheduleArn"] == arn
    with pytest.raises(ClientError) as err:
        a4b.create_business_report_schedule(Format="CSV_ZIP", ContentRange=WEEK, ClientRequestToken="schedule-token-1")
    assert code(err) == "AlreadyExistsException" and status(err) == 400
    with pytest.raises(ClientError) as err:
        a4b.update_business_report_schedule(ScheduleArn=arn, Recurrence={"StartDate": "2023-04-31"})
    assert code(err) == "ValidationException"
    with pytest.raises(ClientError) as err:
        a4b.update_business_report_schedule(ScheduleArn=MISSING, ScheduleName="x")
    assert code(err) == "NotFoundException" and status(err) == 400
    with pytest.raises(ClientError) as err:
        a4b.delete_business_report_schedule(ScheduleArn=MISSING)
    assert code(err) == "NotFoundException" and status(err) == 400
    with pytest.raises(ClientError) as err:
        a4b.list_business_report_schedules(NextToken="garbage")
    assert code(err) == "ValidationException" and status(err) == 400
    a4b.delete_business_report_schedule(ScheduleArn=arn)
    assert schedules(a4b) == {}
    with pytest.raises(ClientError) as err:
        a4b.delete_business_report_schedule(ScheduleArn=arn)
    assert code(err) == "NotFoundException"


def test_paginator_in_creation_order_up_to_the_quota(a4b):
    arns = [a4b.create_business_report_schedule(ScheduleName=f"s{(i * 37) % 100:02}", Format="CSV",
                                                ContentRange=WEEK)["ScheduleArn"] for i in range(100)]
    with pytest.raises(ClientError) as err:
        a4b.create_business_report_schedule(Format="CSV", ContentRange=WEEK)
    assert code(err) == "LimitExceededException" and status(err) == 400
    assert a4b.can_paginate("list_business_report_schedules")
    pages = list(a4b.get_paginator("list_business_report_schedules").paginate(PaginationConfig={"PageSize": 7}))
    assert len(pages) == 15
    assert [s["ScheduleArn"] for page in pages for s in page["BusinessReportSchedules"]] == arns
