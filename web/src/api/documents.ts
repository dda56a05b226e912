// Every GraphQL document the app sends. gql.tada types them from
// schema.graphql, so a schema change that breaks one fails `tsc --noEmit`.
import { graphql } from './graphql';

// ---- accounts ----

export const MeQuery = graphql(`
  query Me {
    me {
      id
      username
      email
      name
      emailVerified
      isStaff
      isFinance
      organizations { id name slug viewerRole }
    }
  }
`);

export const LogInMutation = graphql(`
  mutation LogIn($email: String!, $password: String!) {
    logIn(email: $email, password: $password) { user { id } }
  }
`);

export const SignUpMutation = graphql(`
  mutation SignUp($email: String!, $username: String!, $password: String!) {
    signUp(email: $email, username: $username, password: $password) { user { id } }
  }
`);

export const LogOutMutation = graphql(`
  mutation LogOut { logOut }
`);

export const RequestPasswordResetMutation = graphql(`
  mutation RequestPasswordReset($email: String!) { requestPasswordReset(email: $email) }
`);

export const ResetPasswordMutation = graphql(`
  mutation ResetPassword($token: String!, $newPassword: String!) {
    resetPassword(token: $token, newPassword: $newPassword)
  }
`);

export const VerifyEmailMutation = graphql(`
  mutation VerifyEmail($token: String!) { verifyEmail(token: $token) }
`);

export const UpdateNameMutation = graphql(`
  mutation UpdateName($name: String!) {
    updateProfile(name: $name) { id name }
  }
`);

export const UpdateEmailMutation = graphql(`
  mutation UpdateEmail($email: String!, $currentPassword: String!) {
    updateProfile(email: $email, currentPassword: $currentPassword) { id email emailVerified }
  }
`);

export const ChangePasswordMutation = graphql(`
  mutation ChangePassword($currentPassword: String!, $newPassword: String!) {
    changePassword(currentPassword: $currentPassword, newPassword: $newPassword)
  }
`);

export const ResendVerificationEmailMutation = graphql(`
  mutation ResendVerificationEmail { resendVerificationEmail }
`);

export const SessionsQuery = graphql(`
  query Sessions {
    me { id sessions { id device createdAt lastSeenAt expiresAt current } }
  }
`);

export const EndSessionMutation = graphql(`
  mutation EndSession($id: ID!) { endSession(id: $id) }
`);

export const DeleteAccountMutation = graphql(`
  mutation DeleteAccount($password: String!) { deleteAccount(password: $password) }
`);

// ---- organizations and team ----

export const CreateOrganizationMutation = graphql(`
  mutation CreateOrganization($name: String!) {
    createOrganization(name: $name) { id name slug viewerRole }
  }
`);

export const OrgHeaderQuery = graphql(`
  query OrgHeader($id: ID!) {
    organization(id: $id) { id name slug viewerRole }
  }
`);

export const UpdateOrganizationMutation = graphql(`
  mutation UpdateOrganization($id: ID!, $name: String!) {
    updateOrganization(id: $id, name: $name) { id name slug }
  }
`);

export const DeleteOrganizationMutation = graphql(`
  mutation DeleteOrganization($id: ID!) { deleteOrganization(id: $id) }
`);

export const TeamQuery = graphql(`
  query Team($id: ID!) {
    organization(id: $id) {
      id
      name
      viewerRole
      plan { id name maxSeats }
      members {
        role
        createdAt
        user { id username name email }
      }
    }
  }
`);

export const InviteMemberMutation = graphql(`
  mutation InviteMember($organizationId: ID!, $email: String!, $role: Role!) {
    inviteMember(organizationId: $organizationId, email: $email, role: $role)
  }
`);

export const AcceptInvitationMutation = graphql(`
  mutation AcceptInvitation($token: String!) {
    acceptInvitation(token: $token) { id name slug viewerRole }
  }
`);

export const UpdateMemberRoleMutation = graphql(`
  mutation UpdateMemberRole($organizationId: ID!, $userId: ID!, $role: Role!) {
    updateMemberRole(organizationId: $organizationId, userId: $userId, role: $role) { role }
  }
`);

export const RemoveMemberMutation = graphql(`
  mutation RemoveMember($organizationId: ID!, $userId: ID!) {
    removeMember(organizationId: $organizationId, userId: $userId)
  }
`);

// ---- sites ----

export const SitesQuery = graphql(`
  query Sites($id: ID!, $today: DateRange!, $month: DateRange!) {
    organization(id: $id) {
      id
      name
      viewerRole
      plan { id name maxSites }
      sites {
        id
        domain
        name
        timezone
        today: stats(range: $today) { visitors }
        month: stats(range: $month) { visitors pageviews }
        series: timeseries(range: $month, interval: DAY) { at visitors }
      }
    }
  }
`);

export const CreateSiteMutation = graphql(`
  mutation CreateSite($organizationId: ID!, $domain: String!, $name: String, $timezone: String) {
    createSite(organizationId: $organizationId, domain: $domain, name: $name, timezone: $timezone) {
      id
      domain
    }
  }
`);

export const SiteSettingsFields = graphql(`
  fragment SiteSettingsFields on Site {
    id
    domain
    name
    timezone
    retentionDays
    retentionOverrideDays
    honorDnt
    requireConsent
    recordingsEnabled
    recordingSampleRate
    recordingMaxSeconds
    recordingMaskAllText
    allowedHostnames
    allowedPropertyKeys
    createdAt
  }
`);

/**
 * Everything the site settings page shows, in one request: the settings,
 * the goals and, for those who manage the site (`$manages`: owners and
 * admins, known from `me`), its share links, email recipients and traffic
 * alerts, which the API refuses (FORBIDDEN) to the others.
 */
export const SiteSettingsQuery = graphql(
  `
  query SiteSettings($id: ID!, $org: ID!, $manages: Boolean!) {
    site(id: $id) {
      ...SiteSettingsFields
      goals { id name pagePattern eventName currency createdAt }
      shareLinks @include(if: $manages) { id name url hasPassword expiresAt allowedOrigins createdAt }
      emailRecipients @include(if: $manages) { id email weekly monthly alerts confirmed createdAt }
      trafficAlerts @include(if: $manages) { kind threshold everyHours lastFiredAt }
    }
    organization(id: $org) {
      id
      viewerRole
      plan { id name retentionDays recordingRetentionDays }
    }
  }
`,
  [SiteSettingsFields],
);

export const UpdateSiteMutation = graphql(
  `
  mutation UpdateSite($id: ID!, $input: UpdateSiteInput!) {
    updateSite(id: $id, input: $input) { ...SiteSettingsFields }
  }
`,
  [SiteSettingsFields],
);

export const DeleteSiteMutation = graphql(`
  mutation DeleteSite($id: ID!) { deleteSite(id: $id) }
`);

// ---- goals (listed by SiteSettings) ----

export const CreateGoalMutation = graphql(`
  mutation CreateGoal($input: CreateGoalInput!) {
    createGoal(input: $input) { id name pagePattern eventName currency createdAt }
  }
`);

export const DeleteGoalMutation = graphql(`
  mutation DeleteGoal($id: ID!) { deleteGoal(id: $id) }
`);

// ---- share links (listed by SiteSettings) ----

export const CreateShareLinkMutation = graphql(`
  mutation CreateShareLink($input: CreateShareLinkInput!) {
    createShareLink(input: $input) { id name url hasPassword expiresAt allowedOrigins createdAt }
  }
`);

export const DeleteShareLinkMutation = graphql(`
  mutation DeleteShareLink($id: ID!) { deleteShareLink(id: $id) }
`);

// ---- email reports and traffic alerts (listed by SiteSettings) ----

export const AddEmailRecipientMutation = graphql(`
  mutation AddEmailRecipient($input: AddEmailRecipientInput!) {
    addEmailRecipient(input: $input) { id email weekly monthly alerts confirmed createdAt }
  }
`);

export const UpdateEmailRecipientMutation = graphql(`
  mutation UpdateEmailRecipient($id: ID!, $input: EmailKindsInput!) {
    updateEmailRecipient(id: $id, input: $input) { id email weekly monthly alerts confirmed createdAt }
  }
`);

export const RemoveEmailRecipientMutation = graphql(`
  mutation RemoveEmailRecipient($id: ID!) { removeEmailRecipient(id: $id) }
`);

export const SetTrafficAlertMutation = graphql(`
  mutation SetTrafficAlert($input: SetTrafficAlertInput!) {
    setTrafficAlert(input: $input) { kind threshold everyHours lastFiredAt }
  }
`);

export const DeleteTrafficAlertMutation = graphql(`
  mutation DeleteTrafficAlert($siteId: ID!, $kind: TrafficAlertKind!) { deleteTrafficAlert(siteId: $siteId, kind: $kind) }
`);

export const InstallationQuery = graphql(`
  query Installation($id: ID!, $range: DateRange!) {
    site(id: $id) {
      id
      realtimeVisitors
      stats(range: $range) { events }
      ingestIssues { kind count example lastSeenAt hint }
    }
  }
`);

export const SiteNameQuery = graphql(`
  query SiteName($id: ID!) {
    site(id: $id) { id domain name timezone }
  }
`);

// ---- data requests and jobs ----

export const DeleteSiteDataMutation = graphql(`
  mutation DeleteSiteData($siteId: ID!, $range: DateRange, $visitorId: String) {
    deleteSiteData(siteId: $siteId, range: $range, visitorId: $visitorId)
  }
`);

export const RequestExportMutation = graphql(`
  mutation RequestExport($siteId: ID!, $range: DateRange!) {
    requestExport(siteId: $siteId, range: $range)
  }
`);

export const SiteJobsQuery = graphql(`
  query SiteJobs($id: ID!, $limit: Int!) {
    site(id: $id) {
      id
      jobs(limit: $limit) { id kind status progress error result downloadUrls createdAt updatedAt }
    }
  }
`);

// ---- API keys ----

export const ApiKeysQuery = graphql(`
  query ApiKeys($id: ID!) {
    organization(id: $id) {
      id
      viewerRole
      apiKeys { id name scopes prefix createdAt lastUsedAt }
    }
  }
`);

export const CreateApiKeyMutation = graphql(`
  mutation CreateApiKey($organizationId: ID!, $name: String!, $scopes: [ApiKeyScope!]!) {
    createApiKey(organizationId: $organizationId, name: $name, scopes: $scopes) {
      secret
      apiKey { id name scopes prefix createdAt lastUsedAt }
    }
  }
`);

export const RevokeApiKeyMutation = graphql(`
  mutation RevokeApiKey($id: ID!) { revokeApiKey(id: $id) }
`);

// ---- billing ----

export const PlanFields = graphql(`
  fragment PlanFields on Plan {
    id
    name
    monthlyEvents
    maxSites
    maxSeats
    retentionDays
    recordingRetentionDays
  }
`);

export const BillingQuery = graphql(
  `
  query Billing($id: ID!) {
    organization(id: $id) {
      id
      name
      viewerRole
      plan { ...PlanFields }
      usage { periodStart events limit overQuota sites seats }
      subscription { status currentPeriodEnd cancelAtPeriodEnd plan { id name } }
      invoices {
        id
        stripeInvoiceId
        status
        currency
        amountDue
        amountPaid
        periodStart
        periodEnd
        paidAt
        hostedInvoiceUrl
      }
    }
    plans { ...PlanFields }
  }
`,
  [PlanFields],
);

export const StartCheckoutMutation = graphql(`
  mutation StartCheckout($organizationId: ID!, $plan: PlanId!, $interval: BillingInterval) {
    startCheckout(organizationId: $organizationId, plan: $plan, interval: $interval)
  }
`);

export const BillingPortalMutation = graphql(`
  mutation BillingPortal($organizationId: ID!) { billingPortalUrl(organizationId: $organizationId) }
`);

// ---- finance ----

export const ReconciliationQuery = graphql(`
  query Reconciliation($month: String!) {
    reconciliation(month: $month) {
      month
      comparedWithStripe
      totals { currency plan invoiced paid refunded activeSubscriptions mrr }
      discrepancies { kind organizationId stripeId detail }
    }
  }
`);

export const InvitationsQuery = graphql(`
  query Invitations($id: ID!) {
    organization(id: $id) {
      id
      invitations { id email role createdAt expiresAt expired }
    }
  }
`);

export const ResendInvitationMutation = graphql(`
  mutation ResendInvitation($id: ID!) { resendInvitation(id: $id) }
`);

export const CancelInvitationMutation = graphql(`
  mutation CancelInvitation($id: ID!) { cancelInvitation(id: $id) }
`);

export const MyDataQuery = graphql(`
  query MyData { myData }
`);
