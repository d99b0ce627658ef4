//! The CloudTrail API served over the recorded events.
//!
//! Owns: the [`CloudTrailService`] implementation of the generated `CloudTrail` trait: Event
//! history ([`lookup`]), trails ([`trails`]: configuration, logging state, selectors, tags, and
//! what the delivery worker reads), digest signing keys and `ListPublicKeys` ([`keys`]), CloudTrail
//! Lake's event data stores and queries ([`lake`], on the `trailroom-lake` engine).
//! CloudTrail's own exceptions for model violations (`InvalidMaxResultsException`, …) come from
//! the generator's table (`trailroom-codegen`'s `ServiceSpec::validation_codes`).
//!
//! Knows nothing about HTTP or SQL: it reads events and documents through the store traits.

pub mod access;
pub mod delivery;
pub mod insights;
pub mod keys;
pub mod lake;
pub mod lookup;
mod throttle;
pub mod trails;

pub use throttle::RateLimit;

use trailroom_audit::CallContext;
use trailroom_model::cloudtrail::{
    AddTagsRequest, AddTagsResponse, CloudTrail, CreateTrailRequest, CreateTrailResponse,
    DeleteTrailRequest, DeleteTrailResponse, DescribeTrailsRequest, DescribeTrailsResponse,
    GetEventSelectorsRequest, GetEventSelectorsResponse, GetInsightSelectorsRequest,
    GetInsightSelectorsResponse, GetTrailRequest, GetTrailResponse, GetTrailStatusRequest,
    GetTrailStatusResponse, ListPublicKeysRequest, ListPublicKeysResponse, ListTagsRequest,
    ListTagsResponse, ListTrailsRequest, ListTrailsResponse, LookupEventsRequest,
    LookupEventsResponse, PutEventSelectorsRequest, PutEventSelectorsResponse,
    PutInsightSelectorsRequest, PutInsightSelectorsResponse, RemoveTagsRequest, RemoveTagsResponse,
    StartLoggingRequest, StartLoggingResponse, StopLoggingRequest, StopLoggingResponse,
    UpdateTrailRequest, UpdateTrailResponse,
};
use trailroom_model::cloudtrail::{
    CancelQueryRequest, CancelQueryResponse, CreateEventDataStoreRequest,
    CreateEventDataStoreResponse, DeleteEventDataStoreRequest, DeleteEventDataStoreResponse,
    DescribeQueryRequest, DescribeQueryResponse, GetEventDataStoreRequest,
    GetEventDataStoreResponse, GetQueryResultsRequest, GetQueryResultsResponse,
    ListEventDataStoresRequest, ListEventDataStoresResponse, ListQueriesRequest,
    ListQueriesResponse, RestoreEventDataStoreRequest, RestoreEventDataStoreResponse,
    StartEventDataStoreIngestionRequest, StartEventDataStoreIngestionResponse, StartQueryRequest,
    StartQueryResponse, StopEventDataStoreIngestionRequest, StopEventDataStoreIngestionResponse,
    UpdateEventDataStoreRequest, UpdateEventDataStoreResponse,
};
use trailroom_model::cloudtrail::{
    CreateChannelRequest, CreateChannelResponse, DeleteChannelRequest, DeleteChannelResponse,
    GetChannelRequest, GetChannelResponse, ListChannelsRequest, ListChannelsResponse,
    UpdateChannelRequest, UpdateChannelResponse,
};
use trailroom_model::cloudtrail::{
    CreateDashboardRequest, CreateDashboardResponse, DeleteDashboardRequest,
    DeleteDashboardResponse, GetDashboardRequest, GetDashboardResponse, ListDashboardsRequest,
    ListDashboardsResponse, StartDashboardRefreshRequest, StartDashboardRefreshResponse,
    UpdateDashboardRequest, UpdateDashboardResponse,
};
use trailroom_model::cloudtrail::{
    DeleteResourcePolicyRequest, DeleteResourcePolicyResponse, GetResourcePolicyRequest,
    GetResourcePolicyResponse, PutResourcePolicyRequest, PutResourcePolicyResponse,
};
use trailroom_model::cloudtrail::{
    DeregisterOrganizationDelegatedAdminRequest, DeregisterOrganizationDelegatedAdminResponse,
    RegisterOrganizationDelegatedAdminRequest, RegisterOrganizationDelegatedAdminResponse,
};
use trailroom_model::cloudtrail::{
    DisableFederationRequest, DisableFederationResponse, EnableFederationRequest,
    EnableFederationResponse,
};
use trailroom_model::cloudtrail::{GenerateQueryRequest, GenerateQueryResponse};
use trailroom_model::cloudtrail::{
    GetEventConfigurationRequest, GetEventConfigurationResponse, PutEventConfigurationRequest,
    PutEventConfigurationResponse,
};
use trailroom_model::cloudtrail::{
    GetImportRequest, GetImportResponse, ListImportFailuresRequest, ListImportFailuresResponse,
    ListImportsRequest, ListImportsResponse, StartImportRequest, StartImportResponse,
    StopImportRequest, StopImportResponse,
};
use trailroom_model::cloudtrail::{
    ListInsightsDataRequest, ListInsightsDataResponse, ListInsightsMetricDataRequest,
    ListInsightsMetricDataResponse,
};
use trailroom_model::cloudtrail::{SearchSampleQueriesRequest, SearchSampleQueriesResponse};
use trailroom_protocol::ApiError;

/// CloudTrail's handlers.
#[derive(Debug)]
pub struct CloudTrailService {
    /// How long Event history keeps events, in days (90 when 0).
    pub retention_days: i64,
    /// AWS's LookupEvents throttle, when turned on.
    pub lookup_rate: Option<RateLimit>,
    /// The buckets and topics trails deliver to (see [`trails::Destinations`]).
    pub destinations: std::sync::Arc<dyn trails::Destinations>,
    /// How long a digest signing key signs before a new one is made, in ms (30 days when 0).
    pub signing_key_validity_ms: i64,
    /// CloudTrail Lake's engine; without it the Lake operations are unsupported.
    pub lake: Option<std::sync::Arc<trailroom_lake::Lake>>,
    /// The long-term archive Event history also reads, when this server archives.
    pub archive: Option<std::sync::Arc<trailroom_archive::ArchiveReader>>,
}

impl Default for CloudTrailService {
    fn default() -> Self {
        Self {
            retention_days: 0,
            lookup_rate: None,
            destinations: std::sync::Arc::new(trails::FixedDestinations::default()),
            signing_key_validity_ms: 0,
            lake: None,
            archive: None,
        }
    }
}

impl CloudTrailService {
    /// Event history retention in days.
    pub fn retention_days(&self) -> i64 {
        if self.retention_days > 0 {
            self.retention_days
        } else {
            90
        }
    }

    /// What the Lake feed reads besides the live log: the neighbours' tags and the archive.
    pub fn feed_sources(&self) -> lake::feed::FeedSources<'_> {
        lake::feed::FeedSources {
            neighbours: self.destinations.as_ref(),
            archive: self.archive.as_deref(),
        }
    }

    /// The Lake engine, when this server has one.
    fn lake(&self) -> Result<&std::sync::Arc<trailroom_lake::Lake>, ApiError> {
        self.lake.as_ref().ok_or_else(|| {
            ApiError::client(
                "UnsupportedOperationException",
                "CloudTrail Lake is not enabled on this server.",
            )
        })
    }

    /// Signing key validity in ms.
    pub fn signing_key_validity_ms(&self) -> i64 {
        match self.signing_key_validity_ms {
            ms if ms > 0 => ms,
            _ => keys::DEFAULT_KEY_VALIDITY_MS,
        }
    }
}

impl CloudTrail for CloudTrailService {
    type Context = CallContext;

    async fn lookup_events(
        &self,
        ctx: &CallContext,
        input: LookupEventsRequest,
    ) -> Result<LookupEventsResponse, ApiError> {
        if let Some(limit) = &self.lookup_rate {
            limit.admit(ctx.account_id(), ctx.region(), ctx.now_ms())?;
        }
        lookup::lookup_events(ctx, input, self.retention_days(), self.archive.as_deref()).await
    }

    async fn create_trail(
        &self,
        ctx: &CallContext,
        input: CreateTrailRequest,
    ) -> Result<CreateTrailResponse, ApiError> {
        trails::create_trail(ctx, input, self.destinations.clone()).await
    }

    async fn update_trail(
        &self,
        ctx: &CallContext,
        input: UpdateTrailRequest,
    ) -> Result<UpdateTrailResponse, ApiError> {
        trails::update_trail(ctx, input, self.destinations.clone()).await
    }

    async fn delete_trail(
        &self,
        ctx: &CallContext,
        input: DeleteTrailRequest,
    ) -> Result<DeleteTrailResponse, ApiError> {
        trails::delete_trail(ctx, input).await
    }

    async fn get_trail(
        &self,
        ctx: &CallContext,
        input: GetTrailRequest,
    ) -> Result<GetTrailResponse, ApiError> {
        trails::get_trail(ctx, input)
    }

    async fn describe_trails(
        &self,
        ctx: &CallContext,
        input: DescribeTrailsRequest,
    ) -> Result<DescribeTrailsResponse, ApiError> {
        trails::describe_trails(ctx, input)
    }

    async fn list_trails(
        &self,
        ctx: &CallContext,
        input: ListTrailsRequest,
    ) -> Result<ListTrailsResponse, ApiError> {
        trails::list_trails(ctx, input)
    }

    async fn get_trail_status(
        &self,
        ctx: &CallContext,
        input: GetTrailStatusRequest,
    ) -> Result<GetTrailStatusResponse, ApiError> {
        trails::get_trail_status(ctx, input)
    }

    async fn start_logging(
        &self,
        ctx: &CallContext,
        input: StartLoggingRequest,
    ) -> Result<StartLoggingResponse, ApiError> {
        trails::start_logging(ctx, input).await
    }

    async fn stop_logging(
        &self,
        ctx: &CallContext,
        input: StopLoggingRequest,
    ) -> Result<StopLoggingResponse, ApiError> {
        trails::stop_logging(ctx, input).await
    }

    async fn put_event_selectors(
        &self,
        ctx: &CallContext,
        input: PutEventSelectorsRequest,
    ) -> Result<PutEventSelectorsResponse, ApiError> {
        trails::put_event_selectors(ctx, input).await
    }

    async fn get_event_selectors(
        &self,
        ctx: &CallContext,
        input: GetEventSelectorsRequest,
    ) -> Result<GetEventSelectorsResponse, ApiError> {
        trails::get_event_selectors(ctx, input)
    }

    async fn put_insight_selectors(
        &self,
        ctx: &CallContext,
        input: PutInsightSelectorsRequest,
    ) -> Result<PutInsightSelectorsResponse, ApiError> {
        trails::put_insight_selectors(ctx, input).await
    }

    async fn get_insight_selectors(
        &self,
        ctx: &CallContext,
        input: GetInsightSelectorsRequest,
    ) -> Result<GetInsightSelectorsResponse, ApiError> {
        trails::get_insight_selectors(ctx, input)
    }

    async fn add_tags(
        &self,
        ctx: &CallContext,
        input: AddTagsRequest,
    ) -> Result<AddTagsResponse, ApiError> {
        trails::add_tags(ctx, input).await
    }

    async fn remove_tags(
        &self,
        ctx: &CallContext,
        input: RemoveTagsRequest,
    ) -> Result<RemoveTagsResponse, ApiError> {
        trails::remove_tags(ctx, input).await
    }

    async fn list_tags(
        &self,
        ctx: &CallContext,
        input: ListTagsRequest,
    ) -> Result<ListTagsResponse, ApiError> {
        trails::list_tags(ctx, input)
    }

    async fn list_public_keys(
        &self,
        ctx: &CallContext,
        input: ListPublicKeysRequest,
    ) -> Result<ListPublicKeysResponse, ApiError> {
        keys::list_public_keys(ctx, input, self.signing_key_validity_ms()).await
    }

    async fn create_event_data_store(
        &self,
        ctx: &CallContext,
        input: CreateEventDataStoreRequest,
    ) -> Result<CreateEventDataStoreResponse, ApiError> {
        self.lake()?;
        lake::create_event_data_store(ctx, input).await
    }

    async fn get_event_data_store(
        &self,
        ctx: &CallContext,
        input: GetEventDataStoreRequest,
    ) -> Result<GetEventDataStoreResponse, ApiError> {
        self.lake()?;
        lake::get_event_data_store(ctx, input)
    }

    async fn list_event_data_stores(
        &self,
        ctx: &CallContext,
        input: ListEventDataStoresRequest,
    ) -> Result<ListEventDataStoresResponse, ApiError> {
        self.lake()?;
        lake::list_event_data_stores(ctx, input)
    }

    async fn update_event_data_store(
        &self,
        ctx: &CallContext,
        input: UpdateEventDataStoreRequest,
    ) -> Result<UpdateEventDataStoreResponse, ApiError> {
        self.lake()?;
        lake::update_event_data_store(ctx, input).await
    }

    async fn delete_event_data_store(
        &self,
        ctx: &CallContext,
        input: DeleteEventDataStoreRequest,
    ) -> Result<DeleteEventDataStoreResponse, ApiError> {
        self.lake()?;
        lake::delete_event_data_store(ctx, input).await
    }

    async fn restore_event_data_store(
        &self,
        ctx: &CallContext,
        input: RestoreEventDataStoreRequest,
    ) -> Result<RestoreEventDataStoreResponse, ApiError> {
        self.lake()?;
        lake::restore_event_data_store(ctx, input).await
    }

    async fn start_event_data_store_ingestion(
        &self,
        ctx: &CallContext,
        input: StartEventDataStoreIngestionRequest,
    ) -> Result<StartEventDataStoreIngestionResponse, ApiError> {
        self.lake()?;
        lake::start_ingestion(ctx, input).await
    }

    async fn stop_event_data_store_ingestion(
        &self,
        ctx: &CallContext,
        input: StopEventDataStoreIngestionRequest,
    ) -> Result<StopEventDataStoreIngestionResponse, ApiError> {
        self.lake()?;
        lake::stop_ingestion(ctx, input).await
    }

    async fn start_query(
        &self,
        ctx: &CallContext,
        input: StartQueryRequest,
    ) -> Result<StartQueryResponse, ApiError> {
        lake::start_query(ctx, input, self.lake()?, self.feed_sources())
    }

    async fn describe_query(
        &self,
        ctx: &CallContext,
        input: DescribeQueryRequest,
    ) -> Result<DescribeQueryResponse, ApiError> {
        lake::describe_query(ctx, input, self.lake()?)
    }

    async fn get_query_results(
        &self,
        ctx: &CallContext,
        input: GetQueryResultsRequest,
    ) -> Result<GetQueryResultsResponse, ApiError> {
        lake::get_query_results(ctx, input, self.lake()?)
    }

    async fn list_queries(
        &self,
        ctx: &CallContext,
        input: ListQueriesRequest,
    ) -> Result<ListQueriesResponse, ApiError> {
        lake::list_queries(ctx, input, self.lake()?)
    }

    async fn cancel_query(
        &self,
        ctx: &CallContext,
        input: CancelQueryRequest,
    ) -> Result<CancelQueryResponse, ApiError> {
        lake::cancel_query(ctx, input, self.lake()?)
    }

    async fn start_import(
        &self,
        ctx: &CallContext,
        input: StartImportRequest,
    ) -> Result<StartImportResponse, ApiError> {
        self.lake()?;
        lake::start_import(ctx, input).await
    }

    async fn get_import(
        &self,
        ctx: &CallContext,
        input: GetImportRequest,
    ) -> Result<GetImportResponse, ApiError> {
        self.lake()?;
        lake::get_import(ctx, input)
    }

    async fn list_imports(
        &self,
        ctx: &CallContext,
        input: ListImportsRequest,
    ) -> Result<ListImportsResponse, ApiError> {
        self.lake()?;
        lake::list_imports(ctx, input)
    }

    async fn list_import_failures(
        &self,
        ctx: &CallContext,
        input: ListImportFailuresRequest,
    ) -> Result<ListImportFailuresResponse, ApiError> {
        self.lake()?;
        lake::list_import_failures(ctx, input)
    }

    async fn stop_import(
        &self,
        ctx: &CallContext,
        input: StopImportRequest,
    ) -> Result<StopImportResponse, ApiError> {
        self.lake()?;
        lake::stop_import(ctx, input).await
    }

    async fn put_resource_policy(
        &self,
        ctx: &CallContext,
        input: PutResourcePolicyRequest,
    ) -> Result<PutResourcePolicyResponse, ApiError> {
        self.lake()?;
        lake::put_resource_policy(ctx, input).await
    }

    async fn get_resource_policy(
        &self,
        ctx: &CallContext,
        input: GetResourcePolicyRequest,
    ) -> Result<GetResourcePolicyResponse, ApiError> {
        self.lake()?;
        lake::get_resource_policy(ctx, input)
    }

    async fn delete_resource_policy(
        &self,
        ctx: &CallContext,
        input: DeleteResourcePolicyRequest,
    ) -> Result<DeleteResourcePolicyResponse, ApiError> {
        self.lake()?;
        lake::delete_resource_policy(ctx, input).await
    }

    async fn get_event_configuration(
        &self,
        ctx: &CallContext,
        input: GetEventConfigurationRequest,
    ) -> Result<GetEventConfigurationResponse, ApiError> {
        lake::get_event_configuration(ctx, input)
    }

    async fn put_event_configuration(
        &self,
        ctx: &CallContext,
        input: PutEventConfigurationRequest,
    ) -> Result<PutEventConfigurationResponse, ApiError> {
        lake::put_event_configuration(ctx, input).await
    }

    async fn list_insights_data(
        &self,
        ctx: &CallContext,
        input: ListInsightsDataRequest,
    ) -> Result<ListInsightsDataResponse, ApiError> {
        insights::list_insights_data(ctx, input)
    }

    async fn list_insights_metric_data(
        &self,
        ctx: &CallContext,
        input: ListInsightsMetricDataRequest,
    ) -> Result<ListInsightsMetricDataResponse, ApiError> {
        insights::list_insights_metric_data(ctx, input)
    }

    async fn register_organization_delegated_admin(
        &self,
        ctx: &CallContext,
        input: RegisterOrganizationDelegatedAdminRequest,
    ) -> Result<RegisterOrganizationDelegatedAdminResponse, ApiError> {
        trails::register_delegated_admin(ctx, input).await
    }

    async fn deregister_organization_delegated_admin(
        &self,
        ctx: &CallContext,
        input: DeregisterOrganizationDelegatedAdminRequest,
    ) -> Result<DeregisterOrganizationDelegatedAdminResponse, ApiError> {
        trails::deregister_delegated_admin(ctx, input).await
    }

    async fn generate_query(
        &self,
        ctx: &CallContext,
        input: GenerateQueryRequest,
    ) -> Result<GenerateQueryResponse, ApiError> {
        self.lake()?;
        lake::generate_query(ctx, input).await
    }

    async fn enable_federation(
        &self,
        ctx: &CallContext,
        input: EnableFederationRequest,
    ) -> Result<EnableFederationResponse, ApiError> {
        self.lake()?;
        lake::enable_federation(ctx, input).await
    }

    async fn disable_federation(
        &self,
        ctx: &CallContext,
        input: DisableFederationRequest,
    ) -> Result<DisableFederationResponse, ApiError> {
        self.lake()?;
        lake::disable_federation(ctx, input).await
    }

    async fn create_dashboard(
        &self,
        ctx: &CallContext,
        input: CreateDashboardRequest,
    ) -> Result<CreateDashboardResponse, ApiError> {
        self.lake()?;
        lake::create_dashboard(ctx, input).await
    }

    async fn get_dashboard(
        &self,
        ctx: &CallContext,
        input: GetDashboardRequest,
    ) -> Result<GetDashboardResponse, ApiError> {
        lake::get_dashboard(ctx, input, self.lake()?)
    }

    async fn list_dashboards(
        &self,
        ctx: &CallContext,
        input: ListDashboardsRequest,
    ) -> Result<ListDashboardsResponse, ApiError> {
        self.lake()?;
        lake::list_dashboards(ctx, input)
    }

    async fn update_dashboard(
        &self,
        ctx: &CallContext,
        input: UpdateDashboardRequest,
    ) -> Result<UpdateDashboardResponse, ApiError> {
        self.lake()?;
        lake::update_dashboard(ctx, input).await
    }

    async fn delete_dashboard(
        &self,
        ctx: &CallContext,
        input: DeleteDashboardRequest,
    ) -> Result<DeleteDashboardResponse, ApiError> {
        self.lake()?;
        lake::delete_dashboard(ctx, input).await
    }

    async fn start_dashboard_refresh(
        &self,
        ctx: &CallContext,
        input: StartDashboardRefreshRequest,
    ) -> Result<StartDashboardRefreshResponse, ApiError> {
        lake::start_dashboard_refresh(ctx, input, self.lake()?, self.feed_sources()).await
    }

    async fn search_sample_queries(
        &self,
        ctx: &CallContext,
        input: SearchSampleQueriesRequest,
    ) -> Result<SearchSampleQueriesResponse, ApiError> {
        self.lake()?;
        lake::search_sample_queries(ctx, input)
    }

    async fn create_channel(
        &self,
        ctx: &CallContext,
        input: CreateChannelRequest,
    ) -> Result<CreateChannelResponse, ApiError> {
        self.lake()?;
        lake::create_channel(ctx, input).await
    }

    async fn get_channel(
        &self,
        ctx: &CallContext,
        input: GetChannelRequest,
    ) -> Result<GetChannelResponse, ApiError> {
        self.lake()?;
        lake::get_channel(ctx, input)
    }

    async fn list_channels(
        &self,
        ctx: &CallContext,
        input: ListChannelsRequest,
    ) -> Result<ListChannelsResponse, ApiError> {
        self.lake()?;
        lake::list_channels(ctx, input)
    }

    async fn update_channel(
        &self,
        ctx: &CallContext,
        input: UpdateChannelRequest,
    ) -> Result<UpdateChannelResponse, ApiError> {
        self.lake()?;
        lake::update_channel(ctx, input).await
    }

    async fn delete_channel(
        &self,
        ctx: &CallContext,
        input: DeleteChannelRequest,
    ) -> Result<DeleteChannelResponse, ApiError> {
        self.lake()?;
        lake::delete_channel(ctx, input).await
    }
}
