-- A placement withdrawn (registered in error, or the lease dissolved before move-in).
ALTER TABLE proposals ADD COLUMN placement_withdrawn_on DATE;
