import type { ListingPatch } from '../../model/brief/listing';
import { setListing } from '../../model/brief/operations';
import { briefCommand } from './brief-command';

/** Address, price, rooms, area, agent branding, MLS-unbranded: only the fields named change. */
export const setListingCommand = briefCommand<{ patch: ListingPatch }>({ name: 'brief.setListing', label: 'Edit listing', operate: (s, args) => setListing(s, args) });
