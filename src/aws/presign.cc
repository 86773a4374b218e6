#include "aws/presign.h"

namespace snapkeep::aws {

std::string presign_query_url(Signer& signer, const Credentials& credentials,
                              std::string_view endpoint, const SigningScope& scope,
                              const QueryParams& params, SysTime now,
                              std::chrono::seconds expires) {
  std::string url(endpoint);
  if (url.empty() || url.back() != '/') url += '/';
  char separator = '?';
  for (const auto& [key, value] : params) {
    url += separator;
    url += uri_encode(key, false);
    url += '=';
    url += uri_encode(value, false);
    separator = '&';
  }
  return signer.presign(url, credentials, scope, now, expires);
}

QueryPresigner make_query_presigner(PresignerSources sources) {
  return [sources = std::move(sources)](std::string_view region,
                                        const QueryParams& params) -> Result<std::string> {
    Credentials credentials = SNAPKEEP_TRY(sources.credentials());
    SigningScope scope{std::string(region), sources.service};
    return presign_query_url(*sources.signer, credentials, sources.endpoint(region), scope, params,
                             sources.clock->now());
  };
}

}  // namespace snapkeep::aws
