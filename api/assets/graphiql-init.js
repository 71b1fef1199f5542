// Starts GraphiQL on /graphql (a file of its own: Content-Security-Policy allows no inline script).
(function () {
  var root = document.getElementById('graphiql');
  var scheme = location.protocol === 'https:' ? 'wss://' : 'ws://';
  var fetcher = GraphiQL.createFetcher({
    url: '/graphql',
    subscriptionUrl: scheme + location.host + '/graphql/ws'
  });
  ReactDOM.createRoot(root).render(React.createElement(GraphiQL, {
    fetcher: fetcher,
    defaultQuery: root.getAttribute('data-default-query') || undefined
  }));
})();
