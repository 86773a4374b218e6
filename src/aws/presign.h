// Pre-signed Query URLs: what CopySnapshot of an encrypted snapshot sends as
// PresignedUrl (a GET of the same request, pre-signed with SigV4 query-string
// auth for the SOURCE region's endpoint), built the way botocore's
// inject_presigned_url_ec2 does.
//
// Ec2 only sees a QueryPresigner (ec2.h); make_query_presigner binds it to a
// Signer, a credentials source, an endpoint resolver and a clock, so that Ec2
// knows nothing of credentials or endpoints.
//
// Thread safety: the presigner may be called from several threads if its
// credentials source and endpoint resolver may.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "aws/clock.h"
#include "aws/ec2.h"
#include "aws/sigv4.h"

namespace snapkeep::aws {

// botocore's default expiry for pre-signed URLs.
inline constexpr std::chrono::seconds kPresignExpiry{3600};

// `endpoint` (scheme://host[:port][/]) + "/?" + the URI-encoded params in
// their order, pre-signed by `signer` for `scope`.
std::string presign_query_url(Signer& signer, const Credentials& credentials,
                              std::string_view endpoint, const SigningScope& scope,
                              const QueryParams& params, SysTime now,
                              std::chrono::seconds expires = kPresignExpiry);

struct PresignerSources {
  Signer* signer = nullptr;
  std::function<Result<Credentials>()> credentials;  // current credentials
  std::function<std::string(std::string_view region)>
      endpoint;  // e.g. https://ec2.eu-west-1.amazonaws.com
  Clock* clock = nullptr;
  std::string service = "ec2";
};

QueryPresigner make_query_presigner(PresignerSources sources);

}  // namespace snapkeep::aws
