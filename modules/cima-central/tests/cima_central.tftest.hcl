# Plans the module against mocked providers: hashicorp/aws through the schema-only stand-in, cima
# through its real schema. Account, region and partition are pinned so names can be asserted.
mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "111111111111"
    }
  }

  mock_data "aws_region" {
    defaults = {
      region = "us-east-1"
    }
  }

  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }

  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }
}

mock_provider "cima" {}

variables {
  organization_ids  = ["o-a1b2c3d4e5"]
  enricher_zip_path = "tests/fixtures/bootstrap.zip"
}

run "defaults" {
  command = plan

  assert {
    condition = anytrue([
      for s in data.aws_iam_policy_document.dlq.statement : s.sid == "MemberForwardingRules"
      && contains(flatten([for c in s.condition : c.values if c.variable == "aws:SourceArn"]), "arn:aws:events:us-east-1:*:rule/cima-forward-support")
      && contains(flatten([for c in s.condition : c.values if c.variable == "aws:SourceOrgID"]), "o-a1b2c3d4e5")
    ])
    error_message = "The dead-letter queue admits the members' forwarding rules, from this organization only."
  }

  assert {
    condition     = module.enricher.function_name == "cima-case-enricher" && module.enricher.log_group_name == "/aws/lambda/cima-case-enricher"
    error_message = "The enricher is cima-case-enricher, logging to its own group (modules/lambda-function runs its bootstrap on provided.al2023)."
  }

  assert {
    condition     = module.enricher.environment_variables["CENTRAL_BUS_NAME"] == "cima-cases" && module.enricher.environment_variables["CASE_READER_ROLE_NAME"] == "CimaCaseReaderRole"
    error_message = "The enricher's environment must name the central bus and the case-reader role."
  }

  assert {
    condition     = module.enricher.environment_variables["ENRICHED_SOURCE"] == "heidi.support" && module.enricher.environment_variables["ENRICHED_DETAIL_TYPE"] == "heidi.support" && module.enricher.environment_variables["MAX_CASES_PER_INVOCATION"] == "50"
    error_message = "Enriched events keep the seed's source and detail-type; backfill works 50 cases per invocation."
  }

  assert {
    condition     = !contains(keys(module.enricher.environment_variables), "ORGANIZATIONS_ROLE_ARN")
    error_message = "ORGANIZATIONS_ROLE_ARN is only set when a role is given."
  }

  assert {
    condition     = aws_kinesis_firehose_delivery_stream.this.extended_s3_configuration[0].prefix == "DataCollection-data/!{partitionKeyFromQuery:source}/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/"
    error_message = "Firehose must write the seed's layout DataCollection-data/<source>/yyyy/MM/dd/."
  }

  assert {
    condition     = aws_glue_catalog_table.supportcaseevents.parameters["storage.location.template"] == "s3://cima-data-111111111111-us-east-1/DataCollection-data/$${source_partition}/$${date_created}/"
    error_message = "The table's projection template must be the Firehose prefix."
  }

  assert {
    condition     = aws_glue_catalog_table.supportcaseevents.parameters["projection.date_created.format"] == "yyyy/MM/dd" && aws_glue_catalog_table.supportcaseevents.parameters["projection.source_partition.values"] == "heidi.support"
    error_message = "Partition projection must read yyyy/MM/dd dates under the heidi.support source."
  }

  assert {
    condition     = [for c in aws_glue_catalog_table.supportcaseevents.storage_descriptor[0].columns : c.name] == ["version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail"]
    error_message = "supportcaseevents must keep the seed's columns."
  }

  assert {
    condition     = aws_athena_workgroup.this.configuration[0].enforce_workgroup_configuration && aws_athena_workgroup.this.configuration[0].bytes_scanned_cutoff_per_query == 10737418240
    error_message = "The workgroup enforces its configuration and a 10 GiB scan limit."
  }

  assert {
    condition     = aws_athena_workgroup.this.configuration[0].result_configuration[0].encryption_configuration[0].encryption_option == "SSE_KMS"
    error_message = "Athena results must be encrypted with KMS."
  }

  assert {
    condition     = length(module.kms) == 1
    error_message = "Without kms_key_arn the module creates a rotating key."
  }

  assert {
    condition     = length(aws_sns_topic.alarms) == 1 && length(aws_cloudwatch_event_rule.case_alerts) == 0
    error_message = "An alarm topic is created; case alerts are off by default."
  }

  assert {
    condition     = length(cima_org_query.inventory) == 1 && cima_org_query.inventory[0].destination.key == "DataCollection-metadata/ReferenceOds/AccountsInfo/accounts.csv"
    error_message = "The account inventory is written where the accountsinfo table reads."
  }

  assert {
    condition     = cima_org_query.inventory[0].destination.tag_key == null && [for c in aws_glue_catalog_table.accountsinfo.storage_descriptor[0].columns : c.name] == ["accountid", "arn", "email", "name", "status", "joinedmethod", "joinedtimestamp", "tag", "ou_path", "tags"]
    error_message = "No label key by default; accountsinfo reads the inventory's columns, tags last."
  }

  assert {
    condition     = aws_lambda_permission.enrich.source_arn == "arn:aws:events:us-east-1:111111111111:rule/cima-cases/cima-cases-enrich" && aws_lambda_permission.backfill.source_arn == "arn:aws:events:us-east-1:111111111111:rule/cima-cases/cima-cases-backfill"
    error_message = "Only the pipeline's enrich rule and the backfill rule may invoke the enricher."
  }

  assert {
    condition     = jsondecode(aws_cloudwatch_event_rule.backfill.event_pattern).source == ["cima.backfill"]
    error_message = "The backfill rule matches cima.backfill requests."
  }

  assert {
    condition = alltrue([
      for s in data.aws_iam_policy_document.enricher.statement : length(s.resources) == 1 && contains(s.resources, "arn:aws:events:us-east-1:111111111111:event-bus/cima-cases")
      if contains(s.actions, "events:PutEvents")
    ])
    error_message = "The enricher puts events on the central bus only (never on a member's bus, where a member could forge them)."
  }

  assert {
    condition     = aws_cloudwatch_event_target.backfill.retry_policy[0].maximum_retry_attempts == 185
    error_message = "The backfill target retries with the module's retry policy."
  }
}

run "rejects_invalid_inputs" {
  command = plan

  variables {
    architectures     = ["x86_64", "arm64"]
    organization_ids  = ["org-1"]
    inventory_tag_key = "aws:createdBy"
    bus_name          = "b${join("", [for i in range(55) : "x"])}"
  }

  expect_failures = [
    var.architectures,
    var.organization_ids,
    var.inventory_tag_key,
    var.bus_name,
  ]
}

run "inventory_labelled_by_a_tag" {
  command = plan

  variables {
    inventory_tag_key = "Business Unit"
  }

  assert {
    condition     = cima_org_query.inventory[0].destination.tag_key == "Business Unit"
    error_message = "inventory_tag_key reaches the inventory's destination."
  }
}

run "rejects_a_tag_key_too_long" {
  command = plan

  variables {
    inventory_tag_key = "k${join("", [for i in range(128) : "x"])}"
  }

  expect_failures = [
    var.inventory_tag_key,
  ]
}

run "external_key_topic_and_case_alerts" {
  command = plan

  variables {
    kms_key_arn               = "arn:aws:kms:us-east-1:111111111111:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"
    alarm_sns_topic_arn       = "arn:aws:sns:us-east-1:111111111111:ops-alarms"
    enable_case_alerts        = true
    create_accounts_inventory = false
    organizations_role_arn    = "arn:aws:iam::999999999999:role/CimaOrganizationsReader"
    architectures             = ["arm64"]
    permissions_boundary_arn  = "arn:aws:iam::111111111111:policy/cima-workload-boundary"
  }

  assert {
    condition     = aws_iam_role.firehose.permissions_boundary == "arn:aws:iam::111111111111:policy/cima-workload-boundary" && aws_iam_role.events_to_firehose.permissions_boundary == "arn:aws:iam::111111111111:policy/cima-workload-boundary"
    error_message = "The given permissions boundary is on every role the module creates (the deploy role creates roles only with it)."
  }

  assert {
    condition     = length(module.kms) == 0 && aws_sqs_queue.dlq.kms_master_key_id == "arn:aws:kms:us-east-1:111111111111:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"
    error_message = "A given key is used instead of creating one."
  }

  assert {
    condition     = length(aws_sns_topic.alarms) == 0 && output.alarm_topic_arn == "arn:aws:sns:us-east-1:111111111111:ops-alarms"
    error_message = "A given topic is used instead of creating one."
  }

  assert {
    condition     = jsondecode(aws_cloudwatch_event_rule.case_alerts[0].event_pattern).detail.severityCode == ["urgent", "critical"] && jsondecode(aws_cloudwatch_event_rule.case_alerts[0].event_pattern).account == ["111111111111"]
    error_message = "Case alerts match the urgent and critical severity codes, put by the enricher in the central account only."
  }

  assert {
    condition     = aws_cloudwatch_event_target.case_alerts[0].arn == "arn:aws:sns:us-east-1:111111111111:ops-alarms"
    error_message = "Case alerts go to the alarm topic."
  }

  assert {
    condition     = length(cima_org_query.inventory) == 0 && output.inventory_object_key == null
    error_message = "No inventory when create_accounts_inventory is false."
  }

  assert {
    condition     = module.enricher.environment_variables["ORGANIZATIONS_ROLE_ARN"] == "arn:aws:iam::999999999999:role/CimaOrganizationsReader"
    error_message = "The organizations role reaches the enricher."
  }

}
