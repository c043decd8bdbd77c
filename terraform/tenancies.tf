# ---------------------------------------------------------------------------------------------------
# Several tenancies read by one collector and reporter (COLLECT_TENANCIES). A tenancy reached by the
# functions' own resource principals needs cross-tenancy statements on both sides: Define and Endorse in
# this tenancy's root (added to the collector's and the reporter's policies below), Define and Admit in the
# other tenancy's root (output cross_tenancy_admit_statements; modules/cross-tenancy-admit applies them
# with a provider of that tenancy). A tenancy reached by an API key needs no statement there: its key's
# Vault secret is made readable here, and the key's user needs the same verbs in its own tenancy.
# ---------------------------------------------------------------------------------------------------
locals {
  tenancies_json = length(var.collect_tenancies) == 0 ? "" : jsonencode([
    for t in var.collect_tenancies : { for k, v in {
      name        = t.name
      tenancy     = t.tenancy_ocid
      compartment = t.compartment_ocid
      regions     = t.regions
      region      = t.region
      user        = t.user_ocid
      fingerprint = t.fingerprint
      keySecret   = t.key_secret_ocid
    } : k => v if v != null }
  ])
  # The tenancies the functions' principals reach across: neither this tenancy nor one with an API key.
  crossing = [
    for t in var.collect_tenancies : t
    if t.tenancy_ocid != null && t.tenancy_ocid != var.tenancy_ocid && t.key_secret_ocid == null
  ]
  key_secrets = [for t in var.collect_tenancies : t.key_secret_ocid if t.key_secret_ocid != null]
  # The alias a Define statement gives each crossed tenancy.
  alias = { for t in local.crossing : t.name => replace(t.name, "-", "_") }

  # What each function does in every tenancy it reads (the same verbs as in its own tenancy).
  collector_verbs = concat(
    ["inspect tenancies", "inspect compartments"],
    contains(var.collect_sources, "audit") ? ["read audit-events"] : [],
    contains(var.collect_sources, "logsearch") || (contains(var.collect_sources, "audit") && var.collect_audit_method == "search") ? ["read log-content"] : [],
    contains(var.collect_sources, "cloudguard") ? ["read cloud-guard-family"] : [],
  )
  reporter_verbs = ["inspect tenancies", "inspect compartments", "read audit-events", "read log-content"]

  # This side: Define (an alias for the other tenancy) and Endorse, in the root compartment.
  collector_endorse = !local.collect ? [] : flatten([
    for t in local.crossing : concat(
      ["Define tenancy ${local.alias[t.name]} as ${t.tenancy_ocid}"],
      [for verb in local.collector_verbs : "Endorse dynamic-group ${local.collector_dg} to ${verb} in tenancy ${local.alias[t.name]}"],
    )
  ])
  reporter_endorse = !local.report ? [] : flatten([
    for t in local.crossing : concat(
      ["Define tenancy ${local.alias[t.name]} as ${t.tenancy_ocid}"],
      [for verb in local.reporter_verbs : "Endorse dynamic-group ${local.reporter_dg} to ${verb} in tenancy ${local.alias[t.name]}"],
    )
  ])
  # An API key's private key, read from Vault by the function that uses it.
  key_secret_grants = [
    for ocid in local.key_secrets : "Allow dynamic-group <dg> to read secret-bundles in tenancy where target.secret.id = '${ocid}'"
  ]

  # The other side: what each crossed tenancy's administrator applies in its root compartment.
  admit_statements = { for t in local.crossing : t.name => concat(
    ["Define tenancy ForwarderTenancy as ${var.tenancy_ocid}"],
    !local.collect ? [] : concat(
      ["Define dynamic-group ForwarderCollector as ${module.collector[0].dynamic_group_id}"],
      [for verb in local.collector_verbs : "Admit dynamic-group ForwarderCollector of tenancy ForwarderTenancy to ${verb} in tenancy"],
    ),
    !local.report ? [] : concat(
      ["Define dynamic-group ForwarderReporter as ${module.reporter[0].dynamic_group_id}"],
      [for verb in local.reporter_verbs : "Admit dynamic-group ForwarderReporter of tenancy ForwarderTenancy to ${verb} in tenancy"],
    ),
  ) }
}
