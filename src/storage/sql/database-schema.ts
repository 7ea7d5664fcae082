import type { ColumnType, Generated } from "kysely";

/** kysely's view of the hpo tables (see migrations/). */
export interface Database {
  hpo_studies: {
    study_id: Generated<number>;
    study_name: string;
    directions: string;
    created_at: ColumnType<Date, never, never>;
    next_trial_number: Generated<number>;
    last_event_seq: Generated<number>;
    retried_trials: Generated<number>;
  };
  hpo_study_attrs: { study_id: number; kind: string; key: string; value_json: string };
  hpo_trials: {
    trial_id: Generated<number>;
    study_id: number;
    number: number;
    state: string;
    datetime_start: Date | null;
    datetime_complete: Date | null;
    worker_id: string | null;
    version: number;
    retried_by: number | null;
    data_json: string | null;
  };
  hpo_trial_params: { trial_id: number; param_name: string; position: number; param_value: number; distribution_json: string };
  hpo_trial_values: { trial_id: number; objective: number; value: number };
  hpo_trial_intermediate_values: { trial_id: number; step: number; value: number };
  hpo_trial_metrics: { trial_id: number; step: number; name: string; value: number };
  hpo_trial_attrs: { trial_id: number; kind: string; key: string; value_json: string };
  hpo_trial_heartbeats: { trial_id: number; heartbeat_at: Date };
  hpo_checkpoints: { trial_id: number; format: string; data: Uint8Array; updated_at: ColumnType<Date, never, Date> };
  hpo_events: {
    study_id: number;
    seq: number;
    type: string;
    trial_number: number | null;
    payload_json: string;
    created_at: ColumnType<Date, never, never>;
  };
}
