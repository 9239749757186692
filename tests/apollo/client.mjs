// Apollo Client 4 with its default cache, as a City front end uses it,
// against a running service: SERVICE_URL, and TOKEN for the signed-in part.
// Prints one JSON line: each operation's data or error, and the documents
// the client sent (the cache adds __typename to every selection).
import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client";

const sent = [];
const recordingFetch = (url, options) => {
  sent.push(JSON.parse(options.body).query);
  return fetch(url, options);
};

function client(headers) {
  return new ApolloClient({
    link: new HttpLink({
      uri: `${process.env.SERVICE_URL}/graphql`,
      headers,
      fetch: recordingFetch,
    }),
    cache: new InMemoryCache(),
  });
}

const anonymous = client({});
const signedIn = client({ Authorization: `Bearer ${process.env.TOKEN}` });

const operations = {
  serviceInfo: () =>
    anonymous.query({ query: gql`query ServiceInfo { serviceInfo { name version } }` }),
  me: () =>
    signedIn.query({ query: gql`query Me { me { id uuid preferredLanguage } }` }),
  updateMe: () =>
    signedIn.mutate({
      mutation: gql`
        mutation UpdateMe($language: String) {
          updateMe(input: { preferredLanguage: $language }) {
            user { id preferredLanguage }
          }
        }
      `,
      variables: { language: "sv" },
    }),
};

const results = {};
for (const [name, run] of Object.entries(operations)) {
  try {
    const { data, error } = await run();
    results[name] = error ? { error: String(error) } : { data };
  } catch (error) {
    results[name] = { error: String(error) };
  }
}
console.log(JSON.stringify({ results, sent }));
