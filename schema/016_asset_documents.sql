-- 016_asset_documents: what the operator's hardware costs it, as documents
-- with the same life cycle as the rest (terms/asset_doc.h): a tariff per
-- site (code = the site) and an asset per site and accelerator model (code
-- = "<site>/<model>"). `report yield` reads the version in effect.
ALTER TABLE document DROP CONSTRAINT document_kind_check;
ALTER TABLE document ADD CONSTRAINT document_kind_check
    CHECK (kind IN ('plan', 'contract', 'site', 'voucher', 'subsidy', 'tariff', 'asset'));
