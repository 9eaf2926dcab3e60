-- Run once by the postgres image on an empty volume: one database per service, because no service reads
-- another's data (DESIGN.md). They belong to the tanggap role the image created from POSTGRES_USER.
CREATE DATABASE intake OWNER tanggap;
CREATE DATABASE classifier OWNER tanggap;
CREATE DATABASE drafter OWNER tanggap;
CREATE DATABASE notifier OWNER tanggap;
