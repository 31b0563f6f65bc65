-- One database per service: each service owns its store and never reads another's tables.
CREATE DATABASE registry OWNER ketenmonitor;
CREATE DATABASE ingest OWNER ketenmonitor;
CREATE DATABASE linkage OWNER ketenmonitor;
CREATE DATABASE portal OWNER ketenmonitor;
