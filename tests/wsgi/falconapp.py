"""A Falcon 3 application for tests/wsgi.sh: GET and POST /things."""
import falcon


class Things:
    def __init__(self):
        self.items = []

    def on_get(self, req, resp):
        resp.media = {'framework': 'falcon', 'things': self.items,
                      'q': req.get_param('q')}

    def on_post(self, req, resp):
        thing = req.get_media()
        if not isinstance(thing, dict) or 'name' not in thing:
            raise falcon.HTTPBadRequest(title='a name is needed')
        self.items.append(thing['name'])
        resp.status = falcon.HTTP_201
        resp.media = {'added': thing['name']}


app = falcon.App()
app.add_route('/things', Things())
