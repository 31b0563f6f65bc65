{{/* Names, labels and the parts every service's pod shares. */}}
{{- define "km.name" -}}{{ printf "%s-%s" .root.Release.Name .service | trunc 63 | trimSuffix "-" }}{{- end }}

{{- define "km.labels" -}}
app.kubernetes.io/name: ketenmonitor
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .service }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
{{- end }}

{{- define "km.selector" -}}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .service }}
{{- end }}

{{- define "km.secret" -}}
valueFrom:
  secretKeyRef:
    name: {{ .root.Values.existingSecret }}
    key: {{ .key }}
{{- end }}

{{- define "km.kafkaService" -}}{{ has .service (list "registry" "ingest" "linkage") }}{{- end }}
