//! Reports: tables and plots written to a folder (filled in below).
