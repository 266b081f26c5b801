//! The integration suite as one binary: every module starts the real app (`TestApp::spawn`) on
//! a fresh database. One binary links the app once instead of once per capability.

mod auth;
mod canary;
mod config;
mod connections;
mod exports;
mod hostile;
mod imports;
mod layering;
mod leads;
mod limits;
mod login_throttle;
mod migrations;
mod noninterference;
mod org;
mod outage;
mod pages;
mod person_duties;
mod person_links;
mod persons;
mod policy;
mod replicas;
mod reports;
mod review_findings;
mod risks;
mod scopes;
mod seed;
mod sheet_bombs;
mod sockets;
mod statements;
mod subscriptions;
mod task_rules;
mod tasks;
mod umbrella;
mod venues;
mod writers;
