variable "name" {
  description = "Display name of the function; its dynamic group is <name>-dg, its policy <policy_name>."
  type        = string
}

variable "policy_name" {
  description = "Name of the function's policy."
  type        = string
}

variable "role" {
  description = "What the function is, for descriptions (\"the forwarder function\", \"the collector function\"...)."
  type        = string
}

variable "tenancy_ocid" {
  description = "The tenancy, where the dynamic group and the policy are written (through oci.home)."
  type        = string
}

variable "compartment_ocid" {
  description = "Compartment of the schedules."
  type        = string
}

variable "application_ocid" {
  description = "The Functions application the function belongs to."
  type        = string
}

variable "image" {
  description = "The function's image."
  type        = string
}

variable "memory_mb" {
  description = "Function memory in MB."
  type        = number
}

variable "timeout_seconds" {
  description = "Function timeout in seconds."
  type        = number
}

variable "config" {
  description = "The function's config map (keys the code reads; empty values already left out)."
  type        = map(string)
}

variable "config_bytes" {
  description = "The config's size as OCI Functions counts it (with values unknown at plan counted at their longest)."
  type        = number
}

variable "config_hint" {
  description = "What to shorten when the config is over 4 KB."
  type        = string
}

variable "statements" {
  description = "The policy's statements; <dg> is replaced by the function's dynamic group."
  type        = list(string)
}

variable "schedules" {
  description = "Resource Scheduler schedules invoking the function: key => {cron, body, description}; each may invoke this function and nothing else."
  type        = map(object({ cron = string, body = string, description = string }))
  default     = {}
}

variable "schedule_prefix" {
  description = "Display name of the schedules: <schedule_prefix>-<key>, or <schedule_prefix> for the key \"\"."
  type        = string
  default     = ""
}

variable "schedule_grants" {
  description = "Statements letting one schedule invoke the function; <schedule> is replaced by each schedule's OCID."
  type        = list(string)
  default     = []
}

variable "tags" {
  description = "Freeform tags of every resource."
  type        = map(string)
}
