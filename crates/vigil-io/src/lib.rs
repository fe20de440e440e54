//! Vigil readers: streaming AIT-ADS, GUIDE, OCSF, ECS and JSON Lines alert readers.
