/**
 * The validate stage: one parsed YAML document in, typed resources and diagnostics out.
 * Every standard-channel CRD limit, pattern and CEL rule of the Gateway API
 * (https://github.com/kubernetes-sigs/gateway-api/tree/main/config/crd/standard) is checked
 * here, at the line it concerns, so nothing the API server would reject reaches the table.
 */
export { validateDocument } from "./document.ts";
