{{/* The release's base name, at most 63 characters (a DNS label). */}}
{{- define "nasprune.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* A component's object name: <fullname>-<component>. */}}
{{- define "nasprune.name" -}}
{{- printf "%s-%s" (include "nasprune.fullname" .root) .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels every object carries. */}}
{{- define "nasprune.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
{{ include "nasprune.selector" . }}
{{- end -}}

{{/* The labels a component's pods are selected by. */}}
{{- define "nasprune.selector" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* An image reference: (dict "root" $ "repository" "nasprune/controller"). */}}
{{- define "nasprune.image" -}}
{{- $tag := .root.Values.image.tag | default .root.Chart.AppVersion -}}
{{- if .root.Values.image.registry -}}
{{- printf "%s/%s:%s" .root.Values.image.registry .repository $tag -}}
{{- else -}}
{{- printf "%s:%s" .repository $tag -}}
{{- end -}}
{{- end -}}

{{/* Redis HOST:PORT for the controller. */}}
{{- define "nasprune.redisAddress" -}}
{{- if .Values.redis.enabled -}}
{{- printf "%s:%d" (include "nasprune.name" (dict "root" . "component" "redis")) (int .Values.redis.port) -}}
{{- else -}}
{{- $host := required "redis.external.host is required when redis.enabled is false" .Values.redis.external.host -}}
{{- printf "%s:%d" $host (int .Values.redis.external.port) -}}
{{- end -}}
{{- end -}}

{{/* The artifact volume's claim. */}}
{{- define "nasprune.artifactsClaim" -}}
{{- .Values.artifacts.existingClaim | default (include "nasprune.name" (dict "root" . "component" "artifacts")) -}}
{{- end -}}

{{/* imagePullSecrets of a pod spec, when any. */}}
{{- define "nasprune.pullSecrets" -}}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
{{- range . }}
  - name: {{ . }}
{{- end }}
{{- end }}
{{- end -}}

{{/* The scrape job a component's metrics are under (the alert rules and the
dashboard select on it): the Service label the ServiceMonitor's jobLabel
names. */}}
{{- define "nasprune.scrapeJob" -}}
nasprune.io/scrape-job: nasprune-{{ .component }}
{{- end -}}
