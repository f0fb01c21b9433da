/** The incident-response seed's pagination meta. */
export function pagination(page: number, perPage: number, total: number) {
  const pages = Math.ceil(total / perPage);
  return { page, per_page: perPage, total, pages, has_next: page < pages, has_prev: page > 1 };
}
