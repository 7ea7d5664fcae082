/**
 * The PostgreSQL NOTIFY channel that announces committed events as "<studyId>:<lastSeq>"
 * (LISTEN on it to follow every study): the one spelling, used by the server functions
 * (migrations from 0006 on) and by the storages that listen. Migrations 0003 and 0004 wrote
 * the same name into functions that 0006 replaces.
 */
export const EVENTS_CHANNEL = "hpo_events";
