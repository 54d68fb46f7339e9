#!/usr/bin/env bash
# Deploys the whole sample (AMP workspace, log groups, IAM roles, collector config in SSM, ECS cluster,
# task definition, Fargate service) as one CloudFormation stack, waits until the service is stable and
# prints how to call and verify it. Uses the AWS CLI only. Safe to re-run: an unchanged stack is a no-op.
#
#   deploy/deploy.sh --image URI --vpc-id VPC --subnets SUBNET[,SUBNET] --allowed-cidr CIDR [options]
#   deploy/deploy.sh --dry-run ...            print every command instead of running it (no AWS calls)
#   deploy/deploy.sh --delete [--stack-name]  tear everything down
#   deploy/deploy.sh --print-collector-config print the collector config exactly as stored in SSM
#
# Options (environment variable in brackets):
#   --image URI               [APP_IMAGE]       sample-app image in private ECR, tag or digest pinned
#   --vpc-id ID               [VPC_ID]          VPC for the service
#   --subnets A,B             [SUBNET_IDS]      subnets for the tasks (public ones with --assign-public-ip ENABLED)
#   --allowed-cidr CIDR       [ALLOWED_CIDR]    only source allowed in (port 8080, or the load balancer's 80/443),
#                                               e.g. "$(curl -s https://checkip.amazonaws.com)/32"
#   --stack-name NAME         [STACK_NAME]      default ecs-otel-sample (also cluster, service, family, log-group prefix)
#   --region REGION           [AWS_REGION]      default: the CLI's configured region
#   --assign-public-ip E|D    [ASSIGN_PUBLIC_IP] ENABLED (default, to curl the task directly) or DISABLED
#   --collector-image-cache PREFIX [COLLECTOR_IMAGE_CACHE_PREFIX] private subnets WITHOUT a NAT gateway: pull the
#                                               collector through an ECR pull-through cache rule for ECR Public
#                                               with this prefix (2-30 characters; one of this stack's own, e.g.
#                                               its name); see docs/deploy.md for the VPC endpoints (ecr.api,
#                                               ecr.dkr, S3 gateway, logs, ssm, xray, aps)
#   --collector-image-cache-rule create|existing [COLLECTOR_IMAGE_CACHE_RULE] default create (the stack creates the
#                                               rule and the repository, deletes both with it); existing = use the
#                                               account's rule with that prefix (e.g. ecr-public), create nothing
#   --desired-count N         [DESIRED_COUNT]   default 1 (the first count when --scaling is on)
#   --load-balancer none|internet-facing [LOAD_BALANCER] default none; internet-facing adds an ALB (~$17/month)
#   --alb-subnets A,B         [ALB_SUBNET_IDS]  public subnets in 2+ AZs for the ALB (default: --subnets)
#   --certificate-arn ARN     [CERTIFICATE_ARN] ACM certificate: HTTPS on 443, port 80 redirects (needs the ALB)
#   --scaling none|cpu|requests [SCALING_METRIC] target tracking on CPU or ALB requests per task (default none)
#   --min-tasks N --max-tasks N [MIN_TASKS, MAX_TASKS] bounds for --scaling (default 1 and 4)
#   --traces xray-segments|otlp [TRACES_PATH]   default xray-segments (PutTraceSegments); otlp = X-Ray's OTLP
#                                               endpoint (xray:PutSpans; needs CloudWatch Transaction Search)
#   --enable-transaction-search [ENABLE_TRANSACTION_SEARCH=true] let this stack turn on Transaction Search
#                                               (account- and region-wide; skip it where it is already on)
#   --log-retention-days N    [LOG_RETENTION_DAYS] default 14
#   --alert-email ADDRESS     [ALERT_EMAIL]     subscribe this address to the stack's alert topic (AMP alerts)
#   --collector-config FILE   [COLLECTOR_CONFIG_FILE] default: the repo's otel-collector-config.yaml
#   --out-dir DIR             [DEPLOY_OUT_DIR]  where the rendered task definition goes (default deploy/out/STACK)
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$SCRIPT_DIR/.." && pwd)
TEMPLATE="$SCRIPT_DIR/cloudformation.yaml"
TASK_DEF_TEMPLATE="$REPO_DIR/task-definition.json"
SSM_ADVANCED_TIER_LIMIT=8192   # bytes: the SSM parameter holding the collector config is Advanced tier
CFN_PARAMETER_LIMIT=4096       # bytes: one CloudFormation parameter value (the config travels in two)

MODE=deploy
DRY_RUN=false
APP_IMAGE=${APP_IMAGE:-}
VPC_ID=${VPC_ID:-}
SUBNET_IDS=${SUBNET_IDS:-}
ALLOWED_CIDR=${ALLOWED_CIDR:-}
STACK_NAME=${STACK_NAME:-ecs-otel-sample}
REGION=${AWS_REGION:-${AWS_DEFAULT_REGION:-}}
ASSIGN_PUBLIC_IP=${ASSIGN_PUBLIC_IP:-ENABLED}
COLLECTOR_IMAGE_CACHE_PREFIX=${COLLECTOR_IMAGE_CACHE_PREFIX:-}
COLLECTOR_IMAGE_CACHE_RULE=${COLLECTOR_IMAGE_CACHE_RULE:-create}
DESIRED_COUNT=${DESIRED_COUNT:-1}
LOAD_BALANCER=${LOAD_BALANCER:-none}
ALB_SUBNET_IDS=${ALB_SUBNET_IDS:-}
CERTIFICATE_ARN=${CERTIFICATE_ARN:-}
SCALING_METRIC=${SCALING_METRIC:-none}
MIN_TASKS=${MIN_TASKS:-1}
MAX_TASKS=${MAX_TASKS:-4}
TRACES_PATH=${TRACES_PATH:-xray-segments}
ENABLE_TRANSACTION_SEARCH=${ENABLE_TRANSACTION_SEARCH:-false}
LOG_RETENTION_DAYS=${LOG_RETENTION_DAYS:-14}
ALERT_EMAIL=${ALERT_EMAIL:-}
COLLECTOR_CONFIG_FILE=${COLLECTOR_CONFIG_FILE:-$REPO_DIR/otel-collector-config.yaml}
OUT_DIR=${DEPLOY_OUT_DIR:-}

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'deploy.sh: error: %s\n' "$*" >&2; exit 2; }
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2; }

need_value() { [[ $# -ge 2 && -n $2 ]] || die "$1 needs a value"; }
while (($#)); do
  case $1 in
    --dry-run) DRY_RUN=true ;;
    --delete) MODE=delete ;;
    --print-collector-config) MODE=print-config ;;
    --image) need_value "$@"; APP_IMAGE=$2; shift ;;
    --vpc-id) need_value "$@"; VPC_ID=$2; shift ;;
    --subnets) need_value "$@"; SUBNET_IDS=$2; shift ;;
    --allowed-cidr) need_value "$@"; ALLOWED_CIDR=$2; shift ;;
    --stack-name) need_value "$@"; STACK_NAME=$2; shift ;;
    --region) need_value "$@"; REGION=$2; shift ;;
    --assign-public-ip) need_value "$@"; ASSIGN_PUBLIC_IP=$2; shift ;;
    --collector-image-cache) need_value "$@"; COLLECTOR_IMAGE_CACHE_PREFIX=$2; shift ;;
    --collector-image-cache-rule) need_value "$@"; COLLECTOR_IMAGE_CACHE_RULE=$2; shift ;;
    --desired-count) need_value "$@"; DESIRED_COUNT=$2; shift ;;
    --load-balancer) need_value "$@"; LOAD_BALANCER=$2; shift ;;
    --alb-subnets) need_value "$@"; ALB_SUBNET_IDS=$2; shift ;;
    --certificate-arn) need_value "$@"; CERTIFICATE_ARN=$2; shift ;;
    --scaling) need_value "$@"; SCALING_METRIC=$2; shift ;;
    --min-tasks) need_value "$@"; MIN_TASKS=$2; shift ;;
    --max-tasks) need_value "$@"; MAX_TASKS=$2; shift ;;
    --traces) need_value "$@"; TRACES_PATH=$2; shift ;;
    --enable-transaction-search) ENABLE_TRANSACTION_SEARCH=true ;;
    --log-retention-days) need_value "$@"; LOG_RETENTION_DAYS=$2; shift ;;
    --alert-email) need_value "$@"; ALERT_EMAIL=$2; shift ;;
    --collector-config) need_value "$@"; COLLECTOR_CONFIG_FILE=$2; shift ;;
    --out-dir) need_value "$@"; OUT_DIR=$2; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage; die "unknown argument: $1" ;;
  esac
  shift
done
OUT_DIR=${OUT_DIR:-$SCRIPT_DIR/out/$STACK_NAME}

# Prints a command (shell-quoted, copy-pastable) and runs it unless --dry-run.
# CMD_LABEL, when set, replaces an over-long argument in the printed form only.
run() {
  local printed=() arg
  for arg in "$@"; do
    if [[ ${#arg} -gt 200 ]]; then printed+=("${arg%%=*}=<${#arg} bytes: deploy/deploy.sh --print-collector-config>"); else printed+=("$(printf '%q' "$arg")"); fi
  done
  printf '+ %s\n' "${printed[*]}" >&2
  if ! $DRY_RUN; then "$@"; fi
}

# The collector config as stored in SSM: full-line comments and blank lines dropped (the YAML data
# is unchanged; deploy/tests proves it), so the well-commented file fits the 8 KB Advanced-tier parameter.
collector_config() {
  [[ -f $COLLECTOR_CONFIG_FILE ]] || die "COLLECTOR_CONFIG_FILE: no such file: $COLLECTOR_CONFIG_FILE"
  grep -Ev '^[[:space:]]*(#.*)?$' "$COLLECTOR_CONFIG_FILE" || true
}

validate_common() {
  [[ $STACK_NAME =~ ^[A-Za-z][A-Za-z0-9-]{0,31}$ ]] \
    || die "STACK_NAME (--stack-name) must be 1-32 letters, digits or '-', starting with a letter: '$STACK_NAME'"
  if [[ -z $REGION ]] && ! $DRY_RUN && command -v aws >/dev/null; then
    REGION=$(aws configure get region || true)
  fi
  [[ -n $REGION ]] || die "AWS_REGION (--region) is not set and the AWS CLI has no default region"
  [[ $REGION =~ ^[a-z]{2}(-[a-z]+)+-[0-9]$ ]] || die "AWS_REGION (--region) must look like us-west-2: '$REGION'"
  if ! $DRY_RUN; then
    command -v aws >/dev/null || die "the AWS CLI ('aws') is not on PATH; install it and configure credentials"
  fi
}

validate_deploy() {
  [[ -n $APP_IMAGE ]] || die "APP_IMAGE (--image) is required: the sample-app image URI in your ECR repository"
  [[ $APP_IMAGE =~ ^([0-9]{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?/([a-z0-9._/-]+)[:@].+$ ]] \
    || die "APP_IMAGE (--image) must be a private ECR image URI with a tag or digest, e.g. 123456789012.dkr.ecr.$REGION.amazonaws.com/ecs-otel-sample:1.0.0 (got '$APP_IMAGE')"
  local ecr_account=${BASH_REMATCH[1]} ecr_region=${BASH_REMATCH[2]} ecr_repo=${BASH_REMATCH[4]}
  APP_ECR_REPOSITORY_ARN="arn:aws:ecr:$ecr_region:$ecr_account:repository/$ecr_repo"
  [[ $APP_IMAGE != *:latest ]] || die "APP_IMAGE (--image) must not use the mutable tag 'latest': pin a version or digest"
  [[ -n $VPC_ID ]] || die "VPC_ID (--vpc-id) is required"
  [[ $VPC_ID =~ ^vpc-[0-9a-f]+$ ]] || die "VPC_ID (--vpc-id) must look like vpc-0123abcd: '$VPC_ID'"
  [[ -n $SUBNET_IDS ]] || die "SUBNET_IDS (--subnets) is required (comma-separated)"
  [[ $SUBNET_IDS =~ ^subnet-[0-9a-f]+(,subnet-[0-9a-f]+)*$ ]] \
    || die "SUBNET_IDS (--subnets) must be comma-separated subnet ids like subnet-0123abcd,subnet-4567ef01: '$SUBNET_IDS'"
  [[ -n $ALLOWED_CIDR ]] || die "ALLOWED_CIDR (--allowed-cidr) is required: the only source allowed on port 8080, e.g. 203.0.113.7/32"
  [[ $ALLOWED_CIDR =~ ^([0-9]{1,3}\.){3}[0-9]{1,3}/([0-9]|[12][0-9]|3[0-2])$ ]] \
    || die "ALLOWED_CIDR (--allowed-cidr) must be an IPv4 CIDR like 203.0.113.7/32: '$ALLOWED_CIDR'"
  [[ $ALLOWED_CIDR != 0.0.0.0/0 ]] || say "warning: ALLOWED_CIDR 0.0.0.0/0 exposes port 8080 to the whole internet"
  [[ $ASSIGN_PUBLIC_IP == ENABLED || $ASSIGN_PUBLIC_IP == DISABLED ]] \
    || die "ASSIGN_PUBLIC_IP (--assign-public-ip) must be ENABLED or DISABLED: '$ASSIGN_PUBLIC_IP'"
  [[ -z $COLLECTOR_IMAGE_CACHE_PREFIX || ( ${#COLLECTOR_IMAGE_CACHE_PREFIX} -ge 2 && ${#COLLECTOR_IMAGE_CACHE_PREFIX} -le 30 \
       && $COLLECTOR_IMAGE_CACHE_PREFIX =~ ^[a-z0-9]+([._-][a-z0-9]+)*$ ) ]] \
    || die "COLLECTOR_IMAGE_CACHE_PREFIX (--collector-image-cache) must be an ECR repository prefix (lowercase letters, digits, . _ -; 2 to 30 characters): '$COLLECTOR_IMAGE_CACHE_PREFIX'"
  [[ $COLLECTOR_IMAGE_CACHE_RULE == create || $COLLECTOR_IMAGE_CACHE_RULE == existing ]] \
    || die "COLLECTOR_IMAGE_CACHE_RULE (--collector-image-cache-rule) must be create or existing: '$COLLECTOR_IMAGE_CACHE_RULE'"
  [[ $COLLECTOR_IMAGE_CACHE_RULE == create || -n $COLLECTOR_IMAGE_CACHE_PREFIX ]] \
    || die "COLLECTOR_IMAGE_CACHE_RULE (--collector-image-cache-rule) existing needs --collector-image-cache PREFIX (the rule's prefix)"
  [[ $DESIRED_COUNT =~ ^([0-9]|10)$ ]] || die "DESIRED_COUNT (--desired-count) must be 0-10: '$DESIRED_COUNT'"
  [[ $LOAD_BALANCER == none || $LOAD_BALANCER == internet-facing ]] \
    || die "LOAD_BALANCER (--load-balancer) must be none or internet-facing: '$LOAD_BALANCER'"
  if [[ -n $ALB_SUBNET_IDS ]]; then
    [[ $ALB_SUBNET_IDS =~ ^subnet-[0-9a-f]+(,subnet-[0-9a-f]+)+$ ]] \
      || die "ALB_SUBNET_IDS (--alb-subnets) must be two or more comma-separated subnet ids (one per AZ): '$ALB_SUBNET_IDS'"
    [[ $LOAD_BALANCER == internet-facing ]] || die "ALB_SUBNET_IDS (--alb-subnets) needs --load-balancer internet-facing"
  fi
  if [[ -n $CERTIFICATE_ARN ]]; then
    [[ $CERTIFICATE_ARN =~ ^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[0-9a-f-]+$ ]] \
      || die "CERTIFICATE_ARN (--certificate-arn) must be an ACM certificate ARN: '$CERTIFICATE_ARN'"
    [[ $LOAD_BALANCER == internet-facing ]] || die "CERTIFICATE_ARN (--certificate-arn) needs --load-balancer internet-facing"
  fi
  [[ $SCALING_METRIC =~ ^(none|cpu|requests)$ ]] \
    || die "SCALING_METRIC (--scaling) must be none, cpu or requests: '$SCALING_METRIC'"
  [[ $SCALING_METRIC != requests || $LOAD_BALANCER == internet-facing ]] \
    || die "SCALING_METRIC (--scaling) requests counts load balancer requests: add --load-balancer internet-facing"
  [[ $MIN_TASKS =~ ^([1-9]|10)$ ]] || die "MIN_TASKS (--min-tasks) must be 1-10: '$MIN_TASKS'"
  [[ $MAX_TASKS =~ ^([1-9]|10)$ ]] || die "MAX_TASKS (--max-tasks) must be 1-10: '$MAX_TASKS'"
  ((MIN_TASKS <= MAX_TASKS)) || die "MIN_TASKS (--min-tasks) $MIN_TASKS is above MAX_TASKS (--max-tasks) $MAX_TASKS"
  [[ $TRACES_PATH == xray-segments || $TRACES_PATH == otlp ]] \
    || die "TRACES_PATH (--traces) must be xray-segments or otlp: '$TRACES_PATH'"
  [[ $ENABLE_TRANSACTION_SEARCH == true || $ENABLE_TRANSACTION_SEARCH == false ]] \
    || die "ENABLE_TRANSACTION_SEARCH must be true or false: '$ENABLE_TRANSACTION_SEARCH'"
  if [[ $TRACES_PATH == otlp && $ENABLE_TRANSACTION_SEARCH == false ]]; then
    say "note: --traces otlp needs CloudWatch Transaction Search on in $REGION; add --enable-transaction-search unless it already is"
  fi
  [[ -z $ALERT_EMAIL || $ALERT_EMAIL =~ ^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$ ]] \
    || die "ALERT_EMAIL (--alert-email) must be an e-mail address: '$ALERT_EMAIL'"
  [[ $LOG_RETENTION_DAYS =~ ^(1|3|5|7|14|30|60|90|120|150|180|365|400|545|731|1096|1827|2192|2557|2922|3288|3653)$ ]] \
    || die "LOG_RETENTION_DAYS (--log-retention-days) must be a CloudWatch Logs retention value such as 7, 14 or 30: '$LOG_RETENTION_DAYS'"
}

# Replaces ${NAME} placeholders; fails if one is left over (a typo or a new placeholder).
render() {
  local file=$1 text name value pat
  text=$(<"$file"); shift
  while (($#)); do
    name=${1%%=*}; value=${1#*=}; shift
    pat='${'"$name"'}'
    text=${text//"$pat"/"$value"}
  done
  if [[ $text =~ \$\{[A-Z_]+\} ]]; then
    die "$file: placeholder ${BASH_REMATCH[0]} has no value"
  fi
  printf '%s\n' "$text"
}

stack_output() {  # name -> value, from the last describe-stacks answer
  local key=$1
  printf '%s\n' "$OUTPUTS" | awk -F '\t' -v k="$key" '$1 == k { print $2 }'
}

do_print_config() { collector_config; }

# split_config TEXT: sets config_1 to the longest run of whole leading lines that fits one CloudFormation
# parameter and config_2 to the rest (without the newline between them; empty when everything fits).
split_config() {
  local LC_ALL=C   # lengths in bytes
  local -a lines
  local k=0 size=0
  mapfile -t lines <<<"$1"
  # k = how many leading lines fit: their bytes plus the newlines between them.
  while ((k < ${#lines[@]})) && ((size + ${#lines[k]} + (k > 0) <= CFN_PARAMETER_LIMIT)); do
    size=$((size + ${#lines[k]} + (k > 0))); k=$((k + 1))
  done
  config_1=$(IFS=$'\n'; printf '%s' "${lines[*]:0:k}")
  config_2=$(IFS=$'\n'; printf '%s' "${lines[*]:k}")
  ((k > 0 && ${#config_2} <= CFN_PARAMETER_LIMIT)) \
    || die "COLLECTOR_CONFIG_FILE cannot be cut into two CloudFormation parameters of $CFN_PARAMETER_LIMIT bytes each"
}

do_delete() {
  validate_common
  say "Deleting stack $STACK_NAME in $REGION (AMP workspace, logs, roles, parameter, cluster, service)"
  run aws cloudformation delete-stack --region "$REGION" --stack-name "$STACK_NAME"
  say "Waiting for the deletion to finish"
  run aws cloudformation wait stack-delete-complete --region "$REGION" --stack-name "$STACK_NAME"
  say "Stack $STACK_NAME deleted. Your ECR repository and image were not touched."
}

do_deploy() {
  validate_common
  validate_deploy
  $DRY_RUN && say "DRY RUN: printing the commands, calling nothing"

  say "Checking the collector config fits the SSM Advanced tier ($SSM_ADVANCED_TIER_LIMIT bytes)"
  local config size config_1 config_2 config_sha256
  config=$(collector_config)
  size=$(printf '%s' "$config" | wc -c)
  ((size > 0)) || die "COLLECTOR_CONFIG_FILE $COLLECTOR_CONFIG_FILE is empty"
  ((size <= SSM_ADVANCED_TIER_LIMIT)) \
    || die "COLLECTOR_CONFIG_FILE is $size bytes without comments; the SSM Advanced tier allows $SSM_ADVANCED_TIER_LIMIT"
  # A CloudFormation parameter holds at most 4096 bytes: the config goes in two, cut between lines; the
  # stack joins them with the newline that was cut (deploy/cloudformation.yaml, CollectorConfigParameter).
  split_config "$config"
  say "collector config: $size bytes (from $COLLECTOR_CONFIG_FILE), passed as ${#config_1} + ${#config_2} bytes"
  # Its hash goes into the collector container's environment: a config change = a new task-definition revision.
  config_sha256=$(printf '%s' "$config" | sha256sum | cut -d' ' -f1)

  say "Resolving the AWS account"
  local account
  if $DRY_RUN; then
    account=${AWS_ACCOUNT_ID:-<account-id>}
    run aws sts get-caller-identity --region "$REGION" --query Account --output text
  else
    account=$(run aws sts get-caller-identity --region "$REGION" --query Account --output text)
  fi
  say "account $account, region $REGION, stack $STACK_NAME"

  say "Deploying CloudFormation stack $STACK_NAME (no-op when nothing changed)"
  run aws cloudformation deploy --region "$REGION" \
    --stack-name "$STACK_NAME" \
    --template-file "$TEMPLATE" \
    --capabilities CAPABILITY_IAM \
    --no-fail-on-empty-changeset \
    --tags project=ecs-otel-sample \
    --parameter-overrides \
      "AppImage=$APP_IMAGE" \
      "AppImageRepositoryArn=$APP_ECR_REPOSITORY_ARN" \
      "VpcId=$VPC_ID" \
      "SubnetIds=$SUBNET_IDS" \
      "AllowedIngressCidr=$ALLOWED_CIDR" \
      "AssignPublicIp=$ASSIGN_PUBLIC_IP" \
      "CollectorImageCachePrefix=$COLLECTOR_IMAGE_CACHE_PREFIX" \
      "CollectorImageCacheRuleExists=$([[ $COLLECTOR_IMAGE_CACHE_RULE == existing ]] && echo true || echo false)" \
      "DesiredCount=$DESIRED_COUNT" \
      "LoadBalancer=$LOAD_BALANCER" \
      "LoadBalancerSubnetIds=$ALB_SUBNET_IDS" \
      "CertificateArn=$CERTIFICATE_ARN" \
      "ScalingMetric=$SCALING_METRIC" \
      "MinTasks=$MIN_TASKS" \
      "MaxTasks=$MAX_TASKS" \
      "TracesPath=$TRACES_PATH" \
      "EnableTransactionSearch=$ENABLE_TRANSACTION_SEARCH" \
      "LogRetentionDays=$LOG_RETENTION_DAYS" \
      "AlertEmail=$ALERT_EMAIL" \
      "CollectorConfig=$config_1" \
      "CollectorConfigContinued=$config_2" \
      "CollectorConfigSha256=$config_sha256"

  say "Reading stack outputs"
  if $DRY_RUN; then
    run aws cloudformation describe-stacks --region "$REGION" --stack-name "$STACK_NAME" \
      --query 'Stacks[0].Outputs[].[OutputKey,OutputValue]' --output text
    OUTPUTS=$(printf '%s\t%s\n' ClusterName "$STACK_NAME" ServiceName "$STACK_NAME" \
      AmpWorkspaceId '<workspace-id>' TaskRoleArn '<task-role-arn>' ExecutionRoleArn '<execution-role-arn>')
    if [[ $LOAD_BALANCER == internet-facing ]]; then
      OUTPUTS+=$'\n'"ServiceUrl"$'\t'"$([[ -n $CERTIFICATE_ARN ]] && echo https || echo http)://<load-balancer-dns-name>"
    fi
  else
    OUTPUTS=$(run aws cloudformation describe-stacks --region "$REGION" --stack-name "$STACK_NAME" \
      --query 'Stacks[0].Outputs[].[OutputKey,OutputValue]' --output text)
  fi
  local cluster service workspace
  cluster=$(stack_output ClusterName); service=$(stack_output ServiceName); workspace=$(stack_output AmpWorkspaceId)
  [[ -n $cluster && -n $service && -n $workspace ]] || die "stack $STACK_NAME has no ClusterName/ServiceName/AmpWorkspaceId outputs"

  say "Rendering task-definition.json with this stack's values -> $OUT_DIR/task-definition.json"
  local rendered
  rendered=$(render "$TASK_DEF_TEMPLATE" \
    "STACK_NAME=$STACK_NAME" "AWS_REGION=$REGION" "AWS_ACCOUNT_ID=$account" \
    "AMP_WORKSPACE_ID=$workspace" "APP_IMAGE=$APP_IMAGE" "TRACES_EXPORTER=$(traces_exporter)" \
    "TASK_ROLE_ARN=$(stack_output TaskRoleArn)" "EXECUTION_ROLE_ARN=$(stack_output ExecutionRoleArn)" \
    "COLLECTOR_CONFIG_SHA256=$config_sha256")
  if [[ -n $COLLECTOR_IMAGE_CACHE_PREFIX ]]; then   # the stack's image: the same one through the cache rule
    local public=public.ecr.aws/aws-observability/aws-otel-collector:
    local suffix=amazonaws.com   # the template's ${AWS::URLSuffix}
    [[ $REGION == cn-* ]] && suffix=amazonaws.com.cn
    rendered=${rendered//"$public"/"$account.dkr.ecr.$REGION.$suffix/$COLLECTOR_IMAGE_CACHE_PREFIX/aws-observability/aws-otel-collector:"}
  fi
  if $DRY_RUN; then
    say "DRY RUN: would write this to $OUT_DIR/task-definition.json:"
    printf '%s\n' "$rendered"
  else
    mkdir -p "$OUT_DIR"
    printf '%s\n' "$rendered" >"$OUT_DIR/task-definition.json"
    say "(the stack registered the same; 'aws ecs register-task-definition --cli-input-json file://$OUT_DIR/task-definition.json' registers it by hand)"
  fi

  say "Waiting for service $service to become stable (tasks running and healthy)"
  run aws ecs wait services-stable --region "$REGION" --cluster "$cluster" --services "$service"

  local url
  if [[ $LOAD_BALANCER == internet-facing ]]; then
    url=$(stack_output ServiceUrl)
    [[ -n $url ]] || die "stack $STACK_NAME has no ServiceUrl output although --load-balancer is internet-facing"
  else
    url="http://$(task_address "$cluster" "$service"):8080"
  fi

  cat >&2 <<EOF
==> Done. Try it (from $ALLOWED_CIDR):
    curl -i $url/health
    curl -i $url/orders/42
    curl -i $url/outgoing-http-call
    for i in \$(seq 20); do curl -s -o /dev/null -w '%{http_code}\n' $url/orders/\$i; done
==> Then, a minute later (metrics are exported every 60 s), prove telemetry arrived:
    deploy/verify --region $REGION --workspace-id $workspace --service-name sample-app --url $url
==> Tear down:  deploy/deploy.sh --delete --region $REGION --stack-name $STACK_NAME
EOF
}

# The collector's TRACES_EXPORTER for --traces (the stack sets the same from TracesPath).
traces_exporter() { if [[ $TRACES_PATH == otlp ]]; then echo otlp_http/xray; else echo awsxray; fi; }

# The public IP of the service's first running task (deploys without a load balancer).
task_address() {
  local cluster=$1 service=$2 address='<task-public-ip>' task eni
  if ! $DRY_RUN && [[ $ASSIGN_PUBLIC_IP == ENABLED ]]; then
    say "Looking up the task's public IP"
    task=$(run aws ecs list-tasks --region "$REGION" --cluster "$cluster" --service-name "$service" \
      --desired-status RUNNING --query 'taskArns[0]' --output text)
    eni=$(run aws ecs describe-tasks --region "$REGION" --cluster "$cluster" --tasks "$task" \
      --query "tasks[0].attachments[0].details[?name=='networkInterfaceId'].value | [0]" --output text)
    address=$(run aws ec2 describe-network-interfaces --region "$REGION" --network-interface-ids "$eni" \
      --query 'NetworkInterfaces[0].Association.PublicIp' --output text)
  elif ! $DRY_RUN; then
    address='<task-private-ip>'
    say "the tasks have no public IP (--assign-public-ip DISABLED) and no load balancer: curl them from inside the VPC"
  fi
  printf '%s\n' "$address"
}

case $MODE in
  print-config) do_print_config ;;
  delete) do_delete ;;
  deploy) do_deploy ;;
esac
