//! Schedules: not written yet; every operation answers NotImplementedException.

use trailroom_audit::CallContext;
use trailroom_model::a4b::*;
use trailroom_protocol::ApiError;

pub(crate) async fn create_business_report_schedule(ctx: &CallContext, input: CreateBusinessReportScheduleRequest) -> Result<CreateBusinessReportScheduleResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("CreateBusinessReportSchedule"))
}

pub(crate) async fn update_business_report_schedule(ctx: &CallContext, input: UpdateBusinessReportScheduleRequest) -> Result<UpdateBusinessReportScheduleResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("UpdateBusinessReportSchedule"))
}

pub(crate) async fn delete_business_report_schedule(ctx: &CallContext, input: DeleteBusinessReportScheduleRequest) -> Result<DeleteBusinessReportScheduleResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("DeleteBusinessReportSchedule"))
}

pub(crate) async fn list_business_report_schedules(ctx: &CallContext, input: ListBusinessReportSchedulesRequest) -> Result<ListBusinessReportSchedulesResponse, ApiError> {
    let _ = (ctx, input);
    Err(trailroom_model::not_implemented("ListBusinessReportSchedules"))
}
