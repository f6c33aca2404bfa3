{{/* The name every object of a release shares: the release name, or "precache-worker" for a release of that name. */}}
{{- define "precache.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* The worker's pods: what the Deployment, the PodDisruptionBudget and the metrics Service select. */}}
{{- define "precache.selectorLabels" -}}
{{ include "precache.instanceLabels" . }}
app.kubernetes.io/component: worker
{{- end -}}

{{- define "precache.instanceLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "precache.labels" -}}
{{ include "precache.instanceLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "precache.image" -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}
{{- end -}}

{{/* The Secret holding TEMPORAL_* for the worker and the search-attribute Job. */}}
{{- define "precache.temporalSecret" -}}
{{- if eq .Values.temporal.secretSource "existingSecret" -}}
{{ .Values.temporal.existingSecret }}
{{- else -}}
{{ include "precache.fullname" . }}-temporal
{{- end -}}
{{- end -}}

{{/* Environment and mounts the worker and the Job share: region, Temporal connection, mTLS files. */}}
{{- define "precache.temporalEnv" -}}
- name: AWS_REGION
  value: {{ .Values.aws.region | quote }}
{{- if .Values.temporal.tlsSecret }}
- name: TEMPORAL_TLS_CLIENT_CERT_PATH
  value: /etc/precache/temporal-tls/tls.crt
- name: TEMPORAL_TLS_CLIENT_KEY_PATH
  value: /etc/precache/temporal-tls/tls.key
{{- end }}
{{- end -}}

