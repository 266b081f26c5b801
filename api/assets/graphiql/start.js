// GraphiQL on this server's own endpoint. Log in with the `login` mutation, then put
// {"Authorization": "Bearer <accessToken>"} in the Headers tab.
ReactDOM.createRoot(document.getElementById('graphiql')).render(
  React.createElement(GraphiQL, {
    fetcher: GraphiQL.createFetcher({ url: '/graphql' }),
    isHeadersEditorEnabled: true,
    shouldPersistHeaders: false,
  }),
);
