//! Alexa for Business.
//!
//! Owns: [`A4bService`], the implementation of the generated `AlexaForBusiness` trait, one module
//! per resource family; ARNs as AWS issued them ([`arn`]); and which resources a call names, for
//! the audit record ([`resources`]) and for authorization ([`access`]).
//!
//! Knows nothing about HTTP or SQL: handlers take a `CallContext` and talk to the store traits.

pub mod access;
pub mod admin;
pub mod arn;
pub mod resources;
pub mod support;

pub use schedules::{DEFAULT_PUBLIC_URL, ReportFile, report_download};
pub use tagging::{change_tags, resources_with_tags};

mod address_books;
mod announcements;
mod conferencing;
mod contacts;
mod devices;
mod gateways;
mod network_profiles;
mod profiles;
mod rooms;
mod schedules;
mod skill_groups;
mod skills;
mod smart_home;
mod tagging;
mod users;

use trailroom_audit::CallContext;
use trailroom_model::a4b::*;
use trailroom_protocol::ApiError;

/// The only region Alexa for Business was offered in.
pub const REGION: &str = "us-east-1";

/// Alexa for Business's handlers.
#[derive(Debug, Clone)]
pub struct A4bService {
    /// The server's public base URL (`http://host:port`), where report download links point.
    pub public_url: String,
}

impl Default for A4bService {
    fn default() -> Self {
        Self {
            public_url: DEFAULT_PUBLIC_URL.to_owned(),
        }
    }
}

/// Each method hands its call to the family module that owns the resource.
impl AlexaForBusiness for A4bService {
    type Context = CallContext;

    async fn approve_skill(
        &self,
        ctx: &CallContext,
        input: ApproveSkillRequest,
    ) -> Result<ApproveSkillResponse, ApiError> {
        skills::approve_skill(ctx, input).await
    }

    async fn associate_contact_with_address_book(
        &self,
        ctx: &CallContext,
        input: AssociateContactWithAddressBookRequest,
    ) -> Result<AssociateContactWithAddressBookResponse, ApiError> {
        address_books::associate_contact_with_address_book(ctx, input).await
    }

    async fn associate_device_with_network_profile(
        &self,
        ctx: &CallContext,
        input: AssociateDeviceWithNetworkProfileRequest,
    ) -> Result<AssociateDeviceWithNetworkProfileResponse, ApiError> {
        devices::associate_device_with_network_profile(ctx, input).await
    }

    async fn associate_device_with_room(
        &self,
        ctx: &CallContext,
        input: AssociateDeviceWithRoomRequest,
    ) -> Result<AssociateDeviceWithRoomResponse, ApiError> {
        devices::associate_device_with_room(ctx, input).await
    }

    async fn associate_skill_group_with_room(
        &self,
        ctx: &CallContext,
        input: AssociateSkillGroupWithRoomRequest,
    ) -> Result<AssociateSkillGroupWithRoomResponse, ApiError> {
        rooms::associate_skill_group_with_room(ctx, input).await
    }

    async fn associate_skill_with_skill_group(
        &self,
        ctx: &CallContext,
        input: AssociateSkillWithSkillGroupRequest,
    ) -> Result<AssociateSkillWithSkillGroupResponse, ApiError> {
        skill_groups::associate_skill_with_skill_group(ctx, input).await
    }

    async fn associate_skill_with_users(
        &self,
        ctx: &CallContext,
        input: AssociateSkillWithUsersRequest,
    ) -> Result<AssociateSkillWithUsersResponse, ApiError> {
        skills::associate_skill_with_users(ctx, input).await
    }

    async fn create_address_book(
        &self,
        ctx: &CallContext,
        input: CreateAddressBookRequest,
    ) -> Result<CreateAddressBookResponse, ApiError> {
        address_books::create_address_book(ctx, input).await
    }

    async fn create_business_report_schedule(
        &self,
        ctx: &CallContext,
        input: CreateBusinessReportScheduleRequest,
    ) -> Result<CreateBusinessReportScheduleResponse, ApiError> {
        schedules::create_business_report_schedule(ctx, input).await
    }

    async fn create_conference_provider(
        &self,
        ctx: &CallContext,
        input: CreateConferenceProviderRequest,
    ) -> Result<CreateConferenceProviderResponse, ApiError> {
        conferencing::create_conference_provider(ctx, input).await
    }

    async fn create_contact(
        &self,
        ctx: &CallContext,
        input: CreateContactRequest,
    ) -> Result<CreateContactResponse, ApiError> {
        contacts::create_contact(ctx, input).await
    }

    async fn create_gateway_group(
        &self,
        ctx: &CallContext,
        input: CreateGatewayGroupRequest,
    ) -> Result<CreateGatewayGroupResponse, ApiError> {
        gateways::create_gateway_group(ctx, input).await
    }

    async fn create_network_profile(
        &self,
        ctx: &CallContext,
        input: CreateNetworkProfileRequest,
    ) -> Result<CreateNetworkProfileResponse, ApiError> {
        network_profiles::create_network_profile(ctx, input).await
    }

    async fn create_profile(
        &self,
        ctx: &CallContext,
        input: CreateProfileRequest,
    ) -> Result<CreateProfileResponse, ApiError> {
        profiles::create_profile(ctx, input).await
    }

    async fn create_room(
        &self,
        ctx: &CallContext,
        input: CreateRoomRequest,
    ) -> Result<CreateRoomResponse, ApiError> {
        rooms::create_room(ctx, input).await
    }

    async fn create_skill_group(
        &self,
        ctx: &CallContext,
        input: CreateSkillGroupRequest,
    ) -> Result<CreateSkillGroupResponse, ApiError> {
        skill_groups::create_skill_group(ctx, input).await
    }

    async fn create_user(
        &self,
        ctx: &CallContext,
        input: CreateUserRequest,
    ) -> Result<CreateUserResponse, ApiError> {
        users::create_user(ctx, input).await
    }

    async fn delete_address_book(
        &self,
        ctx: &CallContext,
        input: DeleteAddressBookRequest,
    ) -> Result<DeleteAddressBookResponse, ApiError> {
        address_books::delete_address_book(ctx, input).await
    }

    async fn delete_business_report_schedule(
        &self,
        ctx: &CallContext,
        input: DeleteBusinessReportScheduleRequest,
    ) -> Result<DeleteBusinessReportScheduleResponse, ApiError> {
        schedules::delete_business_report_schedule(ctx, input).await
    }

    async fn delete_conference_provider(
        &self,
        ctx: &CallContext,
        input: DeleteConferenceProviderRequest,
    ) -> Result<DeleteConferenceProviderResponse, ApiError> {
        conferencing::delete_conference_provider(ctx, input).await
    }

    async fn delete_contact(
        &self,
        ctx: &CallContext,
        input: DeleteContactRequest,
    ) -> Result<DeleteContactResponse, ApiError> {
        contacts::delete_contact(ctx, input).await
    }

    async fn delete_device(
        &self,
        ctx: &CallContext,
        input: DeleteDeviceRequest,
    ) -> Result<DeleteDeviceResponse, ApiError> {
        devices::delete_device(ctx, input).await
    }

    async fn delete_device_usage_data(
        &self,
        ctx: &CallContext,
        input: DeleteDeviceUsageDataRequest,
    ) -> Result<DeleteDeviceUsageDataResponse, ApiError> {
        devices::delete_device_usage_data(ctx, input).await
    }

    async fn delete_gateway_group(
        &self,
        ctx: &CallContext,
        input: DeleteGatewayGroupRequest,
    ) -> Result<DeleteGatewayGroupResponse, ApiError> {
        gateways::delete_gateway_group(ctx, input).await
    }

    async fn delete_network_profile(
        &self,
        ctx: &CallContext,
        input: DeleteNetworkProfileRequest,
    ) -> Result<DeleteNetworkProfileResponse, ApiError> {
        network_profiles::delete_network_profile(ctx, input).await
    }

    async fn delete_profile(
        &self,
        ctx: &CallContext,
        input: DeleteProfileRequest,
    ) -> Result<DeleteProfileResponse, ApiError> {
        profiles::delete_profile(ctx, input).await
    }

    async fn delete_room(
        &self,
        ctx: &CallContext,
        input: DeleteRoomRequest,
    ) -> Result<DeleteRoomResponse, ApiError> {
        rooms::delete_room(ctx, input).await
    }

    async fn delete_room_skill_parameter(
        &self,
        ctx: &CallContext,
        input: DeleteRoomSkillParameterRequest,
    ) -> Result<DeleteRoomSkillParameterResponse, ApiError> {
        rooms::delete_room_skill_parameter(ctx, input).await
    }

    async fn delete_skill_authorization(
        &self,
        ctx: &CallContext,
        input: DeleteSkillAuthorizationRequest,
    ) -> Result<DeleteSkillAuthorizationResponse, ApiError> {
        skills::delete_skill_authorization(ctx, input).await
    }

    async fn delete_skill_group(
        &self,
        ctx: &CallContext,
        input: DeleteSkillGroupRequest,
    ) -> Result<DeleteSkillGroupResponse, ApiError> {
        skill_groups::delete_skill_group(ctx, input).await
    }

    async fn delete_user(
        &self,
        ctx: &CallContext,
        input: DeleteUserRequest,
    ) -> Result<DeleteUserResponse, ApiError> {
        users::delete_user(ctx, input).await
    }

    async fn disassociate_contact_from_address_book(
        &self,
        ctx: &CallContext,
        input: DisassociateContactFromAddressBookRequest,
    ) -> Result<DisassociateContactFromAddressBookResponse, ApiError> {
        address_books::disassociate_contact_from_address_book(ctx, input).await
    }

    async fn disassociate_device_from_room(
        &self,
        ctx: &CallContext,
        input: DisassociateDeviceFromRoomRequest,
    ) -> Result<DisassociateDeviceFromRoomResponse, ApiError> {
        devices::disassociate_device_from_room(ctx, input).await
    }

    async fn disassociate_skill_from_skill_group(
        &self,
        ctx: &CallContext,
        input: DisassociateSkillFromSkillGroupRequest,
    ) -> Result<DisassociateSkillFromSkillGroupResponse, ApiError> {
        skill_groups::disassociate_skill_from_skill_group(ctx, input).await
    }

    async fn disassociate_skill_from_users(
        &self,
        ctx: &CallContext,
        input: DisassociateSkillFromUsersRequest,
    ) -> Result<DisassociateSkillFromUsersResponse, ApiError> {
        skills::disassociate_skill_from_users(ctx, input).await
    }

    async fn disassociate_skill_group_from_room(
        &self,
        ctx: &CallContext,
        input: DisassociateSkillGroupFromRoomRequest,
    ) -> Result<DisassociateSkillGroupFromRoomResponse, ApiError> {
        rooms::disassociate_skill_group_from_room(ctx, input).await
    }

    async fn forget_smart_home_appliances(
        &self,
        ctx: &CallContext,
        input: ForgetSmartHomeAppliancesRequest,
    ) -> Result<ForgetSmartHomeAppliancesResponse, ApiError> {
        smart_home::forget_smart_home_appliances(ctx, input).await
    }

    async fn get_address_book(
        &self,
        ctx: &CallContext,
        input: GetAddressBookRequest,
    ) -> Result<GetAddressBookResponse, ApiError> {
        address_books::get_address_book(ctx, input).await
    }

    async fn get_conference_preference(
        &self,
        ctx: &CallContext,
        input: GetConferencePreferenceRequest,
    ) -> Result<GetConferencePreferenceResponse, ApiError> {
        conferencing::get_conference_preference(ctx, input).await
    }

    async fn get_conference_provider(
        &self,
        ctx: &CallContext,
        input: GetConferenceProviderRequest,
    ) -> Result<GetConferenceProviderResponse, ApiError> {
        conferencing::get_conference_provider(ctx, input).await
    }

    async fn get_contact(
        &self,
        ctx: &CallContext,
        input: GetContactRequest,
    ) -> Result<GetContactResponse, ApiError> {
        contacts::get_contact(ctx, input).await
    }

    async fn get_device(
        &self,
        ctx: &CallContext,
        input: GetDeviceRequest,
    ) -> Result<GetDeviceResponse, ApiError> {
        devices::get_device(ctx, input).await
    }

    async fn get_gateway(
        &self,
        ctx: &CallContext,
        input: GetGatewayRequest,
    ) -> Result<GetGatewayResponse, ApiError> {
        gateways::get_gateway(ctx, input).await
    }

    async fn get_gateway_group(
        &self,
        ctx: &CallContext,
        input: GetGatewayGroupRequest,
    ) -> Result<GetGatewayGroupResponse, ApiError> {
        gateways::get_gateway_group(ctx, input).await
    }

    async fn get_invitation_configuration(
        &self,
        ctx: &CallContext,
        input: GetInvitationConfigurationRequest,
    ) -> Result<GetInvitationConfigurationResponse, ApiError> {
        skills::get_invitation_configuration(ctx, input).await
    }

    async fn get_network_profile(
        &self,
        ctx: &CallContext,
        input: GetNetworkProfileRequest,
    ) -> Result<GetNetworkProfileResponse, ApiError> {
        network_profiles::get_network_profile(ctx, input).await
    }

    async fn get_profile(
        &self,
        ctx: &CallContext,
        input: GetProfileRequest,
    ) -> Result<GetProfileResponse, ApiError> {
        profiles::get_profile(ctx, input).await
    }

    async fn get_room(
        &self,
        ctx: &CallContext,
        input: GetRoomRequest,
    ) -> Result<GetRoomResponse, ApiError> {
        rooms::get_room(ctx, input).await
    }

    async fn get_room_skill_parameter(
        &self,
        ctx: &CallContext,
        input: GetRoomSkillParameterRequest,
    ) -> Result<GetRoomSkillParameterResponse, ApiError> {
        rooms::get_room_skill_parameter(ctx, input).await
    }

    async fn get_skill_group(
        &self,
        ctx: &CallContext,
        input: GetSkillGroupRequest,
    ) -> Result<GetSkillGroupResponse, ApiError> {
        skill_groups::get_skill_group(ctx, input).await
    }

    async fn list_business_report_schedules(
        &self,
        ctx: &CallContext,
        input: ListBusinessReportSchedulesRequest,
    ) -> Result<ListBusinessReportSchedulesResponse, ApiError> {
        schedules::list_business_report_schedules(ctx, input, &self.public_url).await
    }

    async fn list_conference_providers(
        &self,
        ctx: &CallContext,
        input: ListConferenceProvidersRequest,
    ) -> Result<ListConferenceProvidersResponse, ApiError> {
        conferencing::list_conference_providers(ctx, input).await
    }

    async fn list_device_events(
        &self,
        ctx: &CallContext,
        input: ListDeviceEventsRequest,
    ) -> Result<ListDeviceEventsResponse, ApiError> {
        devices::list_device_events(ctx, input).await
    }

    async fn list_gateway_groups(
        &self,
        ctx: &CallContext,
        input: ListGatewayGroupsRequest,
    ) -> Result<ListGatewayGroupsResponse, ApiError> {
        gateways::list_gateway_groups(ctx, input).await
    }

    async fn list_gateways(
        &self,
        ctx: &CallContext,
        input: ListGatewaysRequest,
    ) -> Result<ListGatewaysResponse, ApiError> {
        gateways::list_gateways(ctx, input).await
    }

    async fn list_skills(
        &self,
        ctx: &CallContext,
        input: ListSkillsRequest,
    ) -> Result<ListSkillsResponse, ApiError> {
        skills::list_skills(ctx, input).await
    }

    async fn list_skills_store_categories(
        &self,
        ctx: &CallContext,
        input: ListSkillsStoreCategoriesRequest,
    ) -> Result<ListSkillsStoreCategoriesResponse, ApiError> {
        skills::list_skills_store_categories(ctx, input).await
    }

    async fn list_skills_store_skills_by_category(
        &self,
        ctx: &CallContext,
        input: ListSkillsStoreSkillsByCategoryRequest,
    ) -> Result<ListSkillsStoreSkillsByCategoryResponse, ApiError> {
        skills::list_skills_store_skills_by_category(ctx, input).await
    }

    async fn list_smart_home_appliances(
        &self,
        ctx: &CallContext,
        input: ListSmartHomeAppliancesRequest,
    ) -> Result<ListSmartHomeAppliancesResponse, ApiError> {
        smart_home::list_smart_home_appliances(ctx, input).await
    }

    async fn list_tags(
        &self,
        ctx: &CallContext,
        input: ListTagsRequest,
    ) -> Result<ListTagsResponse, ApiError> {
        tagging::list_tags(ctx, input).await
    }

    async fn put_conference_preference(
        &self,
        ctx: &CallContext,
        input: PutConferencePreferenceRequest,
    ) -> Result<PutConferencePreferenceResponse, ApiError> {
        conferencing::put_conference_preference(ctx, input).await
    }

    async fn put_invitation_configuration(
        &self,
        ctx: &CallContext,
        input: PutInvitationConfigurationRequest,
    ) -> Result<PutInvitationConfigurationResponse, ApiError> {
        skills::put_invitation_configuration(ctx, input).await
    }

    async fn put_room_skill_parameter(
        &self,
        ctx: &CallContext,
        input: PutRoomSkillParameterRequest,
    ) -> Result<PutRoomSkillParameterResponse, ApiError> {
        rooms::put_room_skill_parameter(ctx, input).await
    }

    async fn put_skill_authorization(
        &self,
        ctx: &CallContext,
        input: PutSkillAuthorizationRequest,
    ) -> Result<PutSkillAuthorizationResponse, ApiError> {
        skills::put_skill_authorization(ctx, input).await
    }

    async fn register_avs_device(
        &self,
        ctx: &CallContext,
        input: RegisterAVSDeviceRequest,
    ) -> Result<RegisterAVSDeviceResponse, ApiError> {
        devices::register_avs_device(ctx, input).await
    }

    async fn reject_skill(
        &self,
        ctx: &CallContext,
        input: RejectSkillRequest,
    ) -> Result<RejectSkillResponse, ApiError> {
        skills::reject_skill(ctx, input).await
    }

    async fn resolve_room(
        &self,
        ctx: &CallContext,
        input: ResolveRoomRequest,
    ) -> Result<ResolveRoomResponse, ApiError> {
        rooms::resolve_room(ctx, input).await
    }

    async fn revoke_invitation(
        &self,
        ctx: &CallContext,
        input: RevokeInvitationRequest,
    ) -> Result<RevokeInvitationResponse, ApiError> {
        users::revoke_invitation(ctx, input).await
    }

    async fn search_address_books(
        &self,
        ctx: &CallContext,
        input: SearchAddressBooksRequest,
    ) -> Result<SearchAddressBooksResponse, ApiError> {
        address_books::search_address_books(ctx, input).await
    }

    async fn search_contacts(
        &self,
        ctx: &CallContext,
        input: SearchContactsRequest,
    ) -> Result<SearchContactsResponse, ApiError> {
        contacts::search_contacts(ctx, input).await
    }

    async fn search_devices(
        &self,
        ctx: &CallContext,
        input: SearchDevicesRequest,
    ) -> Result<SearchDevicesResponse, ApiError> {
        devices::search_devices(ctx, input).await
    }

    async fn search_network_profiles(
        &self,
        ctx: &CallContext,
        input: SearchNetworkProfilesRequest,
    ) -> Result<SearchNetworkProfilesResponse, ApiError> {
        network_profiles::search_network_profiles(ctx, input).await
    }

    async fn search_profiles(
        &self,
        ctx: &CallContext,
        input: SearchProfilesRequest,
    ) -> Result<SearchProfilesResponse, ApiError> {
        profiles::search_profiles(ctx, input).await
    }

    async fn search_rooms(
        &self,
        ctx: &CallContext,
        input: SearchRoomsRequest,
    ) -> Result<SearchRoomsResponse, ApiError> {
        rooms::search_rooms(ctx, input).await
    }

    async fn search_skill_groups(
        &self,
        ctx: &CallContext,
        input: SearchSkillGroupsRequest,
    ) -> Result<SearchSkillGroupsResponse, ApiError> {
        skill_groups::search_skill_groups(ctx, input).await
    }

    async fn search_users(
        &self,
        ctx: &CallContext,
        input: SearchUsersRequest,
    ) -> Result<SearchUsersResponse, ApiError> {
        users::search_users(ctx, input).await
    }

    async fn send_announcement(
        &self,
        ctx: &CallContext,
        input: SendAnnouncementRequest,
    ) -> Result<SendAnnouncementResponse, ApiError> {
        announcements::send_announcement(ctx, input).await
    }

    async fn send_invitation(
        &self,
        ctx: &CallContext,
        input: SendInvitationRequest,
    ) -> Result<SendInvitationResponse, ApiError> {
        users::send_invitation(ctx, input).await
    }

    async fn start_device_sync(
        &self,
        ctx: &CallContext,
        input: StartDeviceSyncRequest,
    ) -> Result<StartDeviceSyncResponse, ApiError> {
        devices::start_device_sync(ctx, input).await
    }

    async fn start_smart_home_appliance_discovery(
        &self,
        ctx: &CallContext,
        input: StartSmartHomeApplianceDiscoveryRequest,
    ) -> Result<StartSmartHomeApplianceDiscoveryResponse, ApiError> {
        smart_home::start_smart_home_appliance_discovery(ctx, input).await
    }

    async fn tag_resource(
        &self,
        ctx: &CallContext,
        input: TagResourceRequest,
    ) -> Result<TagResourceResponse, ApiError> {
        tagging::tag_resource(ctx, input).await
    }

    async fn untag_resource(
        &self,
        ctx: &CallContext,
        input: UntagResourceRequest,
    ) -> Result<UntagResourceResponse, ApiError> {
        tagging::untag_resource(ctx, input).await
    }

    async fn update_address_book(
        &self,
        ctx: &CallContext,
        input: UpdateAddressBookRequest,
    ) -> Result<UpdateAddressBookResponse, ApiError> {
        address_books::update_address_book(ctx, input).await
    }

    async fn update_business_report_schedule(
        &self,
        ctx: &CallContext,
        input: UpdateBusinessReportScheduleRequest,
    ) -> Result<UpdateBusinessReportScheduleResponse, ApiError> {
        schedules::update_business_report_schedule(ctx, input).await
    }

    async fn update_conference_provider(
        &self,
        ctx: &CallContext,
        input: UpdateConferenceProviderRequest,
    ) -> Result<UpdateConferenceProviderResponse, ApiError> {
        conferencing::update_conference_provider(ctx, input).await
    }

    async fn update_contact(
        &self,
        ctx: &CallContext,
        input: UpdateContactRequest,
    ) -> Result<UpdateContactResponse, ApiError> {
        contacts::update_contact(ctx, input).await
    }

    async fn update_device(
        &self,
        ctx: &CallContext,
        input: UpdateDeviceRequest,
    ) -> Result<UpdateDeviceResponse, ApiError> {
        devices::update_device(ctx, input).await
    }

    async fn update_gateway(
        &self,
        ctx: &CallContext,
        input: UpdateGatewayRequest,
    ) -> Result<UpdateGatewayResponse, ApiError> {
        gateways::update_gateway(ctx, input).await
    }

    async fn update_gateway_group(
        &self,
        ctx: &CallContext,
        input: UpdateGatewayGroupRequest,
    ) -> Result<UpdateGatewayGroupResponse, ApiError> {
        gateways::update_gateway_group(ctx, input).await
    }

    async fn update_network_profile(
        &self,
        ctx: &CallContext,
        input: UpdateNetworkProfileRequest,
    ) -> Result<UpdateNetworkProfileResponse, ApiError> {
        network_profiles::update_network_profile(ctx, input).await
    }

    async fn update_profile(
        &self,
        ctx: &CallContext,
        input: UpdateProfileRequest,
    ) -> Result<UpdateProfileResponse, ApiError> {
        profiles::update_profile(ctx, input).await
    }

    async fn update_room(
        &self,
        ctx: &CallContext,
        input: UpdateRoomRequest,
    ) -> Result<UpdateRoomResponse, ApiError> {
        rooms::update_room(ctx, input).await
    }

    async fn update_skill_group(
        &self,
        ctx: &CallContext,
        input: UpdateSkillGroupRequest,
    ) -> Result<UpdateSkillGroupResponse, ApiError> {
        skill_groups::update_skill_group(ctx, input).await
    }
}
